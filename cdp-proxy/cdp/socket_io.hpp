// Small blocking-with-deadline socket helpers for the CDP proxy's own accept loop and dialler.
// Every call that waits also watches an optional "stop" fd (an eventfd that becomes readable
// when the proxy shuts down), so no thread stays stuck in I/O past stop().
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace faultline::proxy {

using Clock = std::chrono::steady_clock;

// A host and port split from "host:port", "[v6]:port" or ":port" (empty host).
struct HostPort {
    std::string host;
    int port = 0;
};

// Parses "host:port" / "[::1]:port" / ":port". Returns false (and sets error) when malformed.
bool parse_host_port(std::string_view text, HostPort& out, std::string& error);

// Opens a listening TCP socket (SO_REUSEADDR, non-blocking, close-on-exec).
// Returns the fd, or -1 with error set.
int listen_tcp(const HostPort& where, std::string& error);

// The port a bound socket listens on, or -1.
int local_port(int fd);

// Connects to host:port before the deadline (TCP_NODELAY set, socket left non-blocking).
// Returns the fd, or -1 with error set (refused, unreachable, timed out, stopped).
int connect_tcp(const HostPort& where, Clock::time_point deadline, int stop_fd, std::string& error);

// Waits until fd is readable (events=POLLIN) or writable (POLLOUT). Returns 1 when ready,
// 0 on deadline, -1 when stop_fd fired or poll failed.
int wait_fd(int fd, short events, Clock::time_point deadline, int stop_fd);

// Writes all bytes to a non-blocking fd before the deadline. Returns false on error/timeout.
bool write_all(int fd, std::string_view data, Clock::time_point deadline, int stop_fd);

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
void lingering_close(int fd, Clock::time_point deadline);

}  // namespace faultline::proxy
