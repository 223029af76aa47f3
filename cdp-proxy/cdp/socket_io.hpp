// Small blocking-with-deadline socket helpers for the CDP proxy's own accept loop and dialler.
// Every call that waits also watches an optional "stop" fd (an eventfd that becomes readable
// when the proxy shuts down), so no thread stays stuck in I/O past stop().
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "faultline/host_port.hpp"
#include "faultline/unique_fd.hpp"

namespace faultline::cdp {

using Clock = std::chrono::steady_clock;

// Opens a listening TCP socket (SO_REUSEADDR, non-blocking, close-on-exec).
// Returns the socket, or an empty UniqueFd with error set.
UniqueFd listen_tcp(const HostPort& where, std::string& error);

// The port a bound socket listens on, or -1.
int local_port(int fd);

// Connects to host:port before the deadline (TCP_NODELAY set, socket left non-blocking).
// Returns the socket, or an empty UniqueFd with error set (refused, unreachable, timed out,
// stopped).
UniqueFd connect_tcp(const HostPort& where, Clock::time_point deadline, int stop_fd,
                     std::string& error);

// Waits until fd is readable (events=POLLIN) or writable (POLLOUT). Returns 1 when ready,
// 0 on deadline, -1 when stop_fd fired or poll failed.
int wait_fd(int fd, short events, Clock::time_point deadline, int stop_fd);

// Writes all bytes to a non-blocking socket, waiting for room until the deadline or stop_fd.
// Returns false on error, timeout or stop. (faultline::write_all is the blocking-fd version.)
bool write_all_until(int fd, std::string_view data, Clock::time_point deadline, int stop_fd);

// Reads from fd into buf until buf contains "\r\n\r\n" or holds max_bytes. Returns 1 when the
// terminator is present, 0 when max_bytes was reached without it, -1 on EOF, error, timeout or
// stop (buf keeps what was read).
int read_until_blank_line(int fd, std::string& buf, size_t max_bytes, Clock::time_point deadline,
                          int stop_fd);

// "ip:port" of the peer / local side of a connected socket ("[v6]:port"); "" when unknown.
std::string peer_address(int fd);
std::string local_address(int fd);

// Sets O_NONBLOCK and TCP_NODELAY (CDP is latency-bound: many small messages).
void make_relay_socket(int fd);

// Half-closes for writing, then reads and discards until EOF or the deadline, then closes:
// a "lingering close" so the peer reads the whole response instead of a reset.
void lingering_close(UniqueFd fd, Clock::time_point deadline);

}  // namespace faultline::cdp
