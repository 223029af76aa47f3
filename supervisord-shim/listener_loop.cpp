#include "listener_loop.hpp"

#include <fmt/format.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "faultline/clock.hpp"
#include "faultline/write_all.hpp"

namespace faultline::shim {

namespace {
// The acknowledgement and the next READY in one write: supervisord handles the bytes after
// "OK" in its new state, and one write cannot be interleaved or half-lost.
const std::string kAckThenReady = std::string(kResultOk) + std::string(kReady);

// Discards whatever supervisord has already written (the rest of an envelope whose header we
// could not read). supervisord sends nothing new before our acknowledgement, so this resyncs.
void drain_pending(int fd) {
    char buf[4096];
    pollfd p{fd, POLLIN, 0};
    while (poll(&p, 1, 0) == 1 && (p.revents & POLLIN)) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0 && !(n < 0 && errno == EINTR)) return;
    }
}

// Waits until in_fd or stop_fd is readable. Returns false when asked to stop.
bool wait_input(const LoopIo& io) {
    pollfd fds[2] = {{io.in_fd, POLLIN, 0}, {io.stop_fd, POLLIN, 0}};
    const nfds_t n = io.stop_fd >= 0 ? 2 : 1;
    while (true) {
        int r = poll(fds, n, -1);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return true;  // let read() report the error
        if (n == 2 && (fds[1].revents & POLLIN)) return false;
        return true;
    }
}
}  // namespace

std::string printable(std::string_view s, size_t max) {
    std::string out;
    for (size_t i = 0; i < s.size() && i < max; ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x20 || c >= 0x7f || c == '\\')
            out += fmt::format("\\x{:02x}", c);
        else
            out.push_back(static_cast<char>(c));
    }
    if (s.size() > max) out += "...";
    return out;
}

LoopEnd run_listener(const LoopIo& io, const MessageHandler& on_message, const LogFn& log) {
    if (!write_all(io.out_fd, kReady)) {
        log(fmt::format("cannot write to stdout: {}", std::strerror(errno)));
        return LoopEnd::io_error;
    }
    ProtocolReader reader;
    char buf[8192];
    while (true) {
        if (!wait_input(io)) return LoopEnd::stopped;
        ssize_t got = read(io.in_fd, buf, sizeof buf);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            log(fmt::format("cannot read stdin: {}", std::strerror(errno)));
            return LoopEnd::io_error;
        }
        if (got == 0) {
            if (reader.mid_message()) log("stdin closed in the middle of an event");
            return LoopEnd::eof;
        }
        std::string_view data(buf, static_cast<size_t>(got));
        while (!data.empty()) {
            data.remove_prefix(reader.feed(data));
            if (!reader.has_message()) continue;
            Message msg = reader.take();
            const std::string read_at = now_rfc3339();
            if (msg.malformed) {
                log(fmt::format("malformed event header ({}): '{}'; acknowledged and skipped",
                                msg.error, printable(msg.header_line)));
                data = {};
                drain_pending(io.in_fd);
                reader.reset();
            }
            if (!write_all(io.out_fd, kAckThenReady)) {
                log(fmt::format("cannot write to stdout: {}", std::strerror(errno)));
                return LoopEnd::io_error;
            }
            if (!msg.malformed) on_message(msg, read_at);
        }
    }
}

}  // namespace faultline::shim
