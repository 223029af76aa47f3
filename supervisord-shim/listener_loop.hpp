// The listener's I/O loop: READY, read one envelope, acknowledge it, hand it on, READY again.
// Acknowledging comes first so that whatever the handler does (queueing for the hub) never
// holds supervisord's event pool. Malformed headers are logged and acknowledged too, so the
// listener never wedges.
#pragma once

#include <functional>
#include <string>

#include "faultline/log.hpp"
#include "listener_protocol.hpp"

namespace faultline::shim {

struct LoopIo {
    int in_fd = 0;     // supervisord writes envelopes here (our stdin)
    int out_fd = 1;    // the protocol channel (our stdout); nothing else may be written to it
    int stop_fd = -1;  // readable = stop now (a signalfd); -1 = none
};

enum class LoopEnd { eof, stopped, io_error };

// Called after a well-formed event has been acknowledged. `read_at` is the RFC 3339 wall-clock
// time at which its last byte was read.
using MessageHandler = std::function<void(const Message&, const std::string& read_at)>;

// Runs the protocol until end of input (eof), stop_fd becoming readable (stopped) or a read or
// write error (io_error, logged). Every envelope, well-formed or not, is answered with exactly
// "RESULT 2\nOK" followed by "READY\n".
LoopEnd run_listener(const LoopIo& io, const MessageHandler& on_message, const LogFn& log);

// `s` with non-printable bytes as \xNN, at most `max` bytes of it (for log lines).
std::string printable(std::string_view s, size_t max = 200);

}  // namespace faultline::shim
