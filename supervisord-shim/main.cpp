// supervisord-shim: a supervisord eventlistener that reports crashed services to the faultline
// hub as service_crashed events. stdout is the protocol channel; logs go to stderr.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>

#include "event_mapping.hpp"
#include "faultline/cli.hpp"
#include "faultline/event.hpp"
#include "faultline/hostname.hpp"
#include "faultline/log.hpp"
#include "faultline/publisher.hpp"
#include "faultline/signal_fd.hpp"
#include "faultline_version.h"
#include "listener_loop.hpp"

namespace {

using namespace faultline;
using namespace faultline::shim;

// The process's one logger (stderr: stdout is the protocol channel).
const LogFn log_line = stderr_log("supervisord-shim");

struct Options {
    std::string hub = "http://127.0.0.1:10001";
    std::string token;
    uint64_t outbox = 4096;
    double flush_timeout = 2.0;
};

void describe(FlagSet& f, Options& o) {
    f.add_string("hub", &o.hub, "telemetry hub that receives the events", "URL");
    f.add_string("token", &o.token, "bearer token for the hub (empty: send none)", "TOKEN");
    f.add_uint("outbox", &o.outbox,
               "events held while the hub is unreachable (when full: oldest dropped, counted)",
               "N");
    f.add_double("flush-timeout", &o.flush_timeout,
                 "seconds spent delivering queued events after SIGTERM or end of input", "SECONDS");
    f.add_section("Protocol",
                  "  Speaks supervisord's eventlistener protocol on stdin/stdout: writes READY,\n"
                  "  reads one envelope, answers exactly \"RESULT 2\\nOK\" and READY again.\n"
                  "  Every event is acknowledged before it is delivered, so a slow or absent hub\n"
                  "  never holds supervisord's event pool. Malformed input is logged and\n"
                  "  acknowledged. Nothing but the protocol is ever written to stdout.");
    f.add_section("Events",
                  "  PROCESS_STATE_EXITED with expected:0  -> service_crashed, fatal false\n"
                  "  PROCESS_STATE_FATAL                    -> service_crashed, fatal true\n"
                  "  expected exits and all other events are acknowledged and skipped.\n"
                  "  Data: service_name, group_name, from_state, pid (EXITED only),\n"
                  "  expected (false), fatal. ts is the wall-clock time the event was read.");
    f.add_section("Example (supervisord.conf)",
                  "  [eventlistener:faultline-shim]\n"
                  "  command=supervisord-shim --hub http://127.0.0.1:10001\n"
                  "  events=PROCESS_STATE_EXITED,PROCESS_STATE_FATAL\n"
                  "  buffer_size=1024\n"
                  "  stderr_logfile=/var/log/faultline/supervisord-shim.log\n"
                  "  autorestart=true");
    f.add_section("Signals",
                  "  SIGTERM, SIGINT, SIGHUP: stop reading, deliver what is queued (at most\n"
                  "  --flush-timeout seconds), exit. End of stdin does the same.");
    f.add_section("Exit status",
                  "  0  stopped by a signal or end of input, every event delivered\n"
                  "  1  stdin or stdout failed (supervisord went away)\n"
                  "  2  bad flags or environment variables\n"
                  "  3  stopped with events still undelivered (they are lost)");
    f.add_section(
        "Files", "  packaging/supervisord/faultline-shim.conf  the eventlistener entry to include");
}

// Keeps the protocol on a private descriptor and points fd 1 at stderr, so a stray print by
// any library can never reach supervisord. Returns the protocol fd, or -1 on failure.
int take_protocol_channel() {
    int fd = fcntl(1, F_DUPFD_CLOEXEC, 3);
    if (fd < 0 || dup2(2, 1) < 0) return -1;
    return fd;
}

// Queues a crash for the hub (or logs why an event is skipped or malformed).
void handle(Publisher& pub, const std::string& host, const Message& msg,
            const std::string& read_at) {
    Mapping m = map_event(msg.envelope.eventname, msg.payload);
    if (m.kind == Mapping::Kind::malformed) {
        log_line(fmt::format("malformed {} payload ({}): '{}'; acknowledged and skipped",
                             msg.envelope.eventname, m.reason, printable(msg.payload)));
        return;
    }
    if (m.kind == Mapping::Kind::skip) return;
    const Crash& c = m.crash;
    Event e = make_event("service_crashed", crash_data_json(c),
                         Source{"supervisord", host, msg.envelope.server, std::nullopt});
    e.ts = read_at;
    log_line(fmt::format("{}: {} (group {}) from {}{}", c.fatal ? "fatal" : "crashed",
                         c.service_name, c.group_name, c.from_state,
                         c.pid ? fmt::format(", pid {}", *c.pid) : ""));
    pub.publish(std::move(e));
}

}  // namespace

int main(int argc, char** argv) {
    use_single_malloc_arena();
    Options o;
    FlagSet flags("supervisord-shim", "supervisord-shim [--hub URL] [OPTIONS]",
                  "A supervisord eventlistener that turns unexpected exits of supervised\n"
                  "services into service_crashed events and delivers them to the faultline\n"
                  "telemetry hub. Run it from supervisord, not by hand.");
    describe(flags, o);
    if (int rc = flags.handle(argc, argv, FAULTLINE_VERSION); rc >= 0) return rc;
    std::string error;
    if (HttpUrl url; !parse_http_url(o.hub, url, error)) {
        log_line(fmt::format("--hub '{}': {} (e.g. http://127.0.0.1:10001)", o.hub, error));
        return 2;
    }
    if (o.outbox == 0 || !std::isfinite(o.flush_timeout) || o.flush_timeout < 0) {
        log_line("--outbox must be at least 1 and --flush-timeout a number >= 0");
        return 2;
    }

    signal(SIGPIPE, SIG_IGN);
    const int proto_fd = take_protocol_channel();
    if (proto_fd < 0) {
        log_line(fmt::format("cannot set up stdout: {}", std::strerror(errno)));
        return 1;
    }
    // Before the publisher's thread starts, so it inherits the blocked mask.
    const UniqueFd stop_fd = block_signals_to_fd({SIGTERM, SIGINT, SIGHUP}, error);
    if (!stop_fd) {
        log_line(error);
        return 1;
    }

    Publisher pub(PublisherOptions{.hub_url = o.hub,
                                   .producer = "supervisord-shim",
                                   .token = o.token,
                                   .capacity = o.outbox,
                                   .log = log_line});
    log_line(fmt::format("{} started; delivering to {}", FAULTLINE_VERSION, o.hub));

    const std::string host = hostname_or("");
    LoopEnd end = run_listener(
        LoopIo{.in_fd = 0, .out_fd = proto_fd, .stop_fd = stop_fd.get()},
        [&](const Message& m, const std::string& at) { handle(pub, host, m, at); }, log_line);

    const auto budget = std::chrono::duration<double>(o.flush_timeout);
    const bool flushed = pub.flush(std::chrono::steady_clock::now() +
                                   std::chrono::duration_cast<std::chrono::nanoseconds>(budget));
    const PublisherStats s = pub.stats();
    log_line(fmt::format("{}; {} events queued, {} delivered, {} dropped, {} undelivered",
                         end == LoopEnd::eof       ? "end of input"
                         : end == LoopEnd::stopped ? "stopping on signal"
                                                   : "stopping after an I/O error",
                         s.published, s.delivered, s.dropped, s.queued));
    if (!flushed) {
        // Do not wait for a POST that may hang: the deadline is the promise.
        std::fflush(stderr);
        _exit(3);
    }
    return end == LoopEnd::io_error ? 1 : 0;
}
