// kmsgmon: Reports kernel OOM kills from /dev/kmsg and memory pressure on its leading edge.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>

#include "event_loop.hpp"
#include "faultline/cli.hpp"
#include "faultline/hostname.hpp"
#include "faultline/log.hpp"
#include "faultline/publisher.hpp"
#include "faultline/signal_fd.hpp"
#include "faultline_version.h"
#include "oom/kmsg_monitor.hpp"
#include "pressure/monitor.hpp"
#include "process_hardening.hpp"

namespace {

// Applies --no-oom-protect and --mlock. Returns false when --mlock was refused (a failed
// OOM protection only warns: unprivileged test runs are still useful).
bool harden(bool no_oom_protect, bool mlock, const faultline::LogFn& log) {
    std::string error;
    if (!no_oom_protect && !kmsgmon::protect_from_oom_killer(error)) log("warning: " + error);
    if (mlock && !kmsgmon::lock_memory(error)) {
        log(error);
        return false;
    }
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    faultline::use_single_malloc_arena();
    faultline::FlagSet flags(
        "kmsgmon", "kmsgmon [OPTIONS]",
        "Reports kernel OOM kills from /dev/kmsg and memory pressure on its leading edge.\n"
        "Without --hub, events are printed as one JSON envelope per line on stdout.");
    std::string hub;
    flags.add_string("hub", &hub, "publish events to this telemetry hub (core publisher)", "URL");
    kmsgmon::KmsgOptions kmsg;
    kmsgmon::add_kmsg_flags(flags, kmsg);
    bool no_oom_protect = false, mlock = false;
    flags.add_bool("no-oom-protect", &no_oom_protect,
                   "keep our oom_score_adj (by default kmsgmon sets -1000 so it outlives what it "
                   "watches)");
    flags.add_bool("mlock", &mlock,
                   "lock kmsgmon's memory in RAM (never paged out under pressure)");
    kmsgmon::PressureOptions pressure;
    kmsgmon::add_pressure_flags(flags, pressure);
    flags.add_section(
        "OOM kills",
        "  Every kernel OOM kill becomes one system_oom_kill event: the \"Killed process\"\n"
        "  line joined with its \"invoked oom-killer\" and \"oom-kill:\" lines. Only records\n"
        "  of the kernel facility count; lines user space writes to /dev/kmsg never do.\n"
        "  Records the kernel overwrote before they were read are counted on stderr.");
    flags.add_section("Examples",
                      "  kmsgmon --hub http://127.0.0.1:10001 --mlock\n"
                      "  kmsgmon --no-pressure | jq .data          # OOM kills as NDJSON\n"
                      "  kmsgmon --kmsg saved-kmsg.txt --no-pressure --no-oom-protect");
    flags.add_section("Exit codes",
                      "  0  stopped by SIGTERM/SIGINT, or a replay finished\n"
                      "  1  cannot start (kernel log or meminfo unreadable, --mlock refused)\n"
                      "  2  bad flags or a bad replay file");
    if (int rc = flags.handle(argc, argv, FAULTLINE_VERSION); rc >= 0) return rc;
    const faultline::LogFn log = faultline::stderr_log("kmsgmon");
    std::string error;
    if (!kmsgmon::validate_pressure_options(pressure, error)) {
        log(error);
        return 2;
    }
    if (faultline::HttpUrl url; !hub.empty() && !faultline::parse_http_url(hub, url, error)) {
        log("--hub '" + hub + "': " + error + " (e.g. http://127.0.0.1:10001)");
        return 2;
    }
    const faultline::Source source{"kmsg", faultline::hostname_or(""), "kmsgmon", ::getpid()};
    if (!pressure.replay.empty()) return kmsgmon::run_pressure_replay(pressure, source, log);

    // Before any thread starts: SIGTERM/SIGINT then reach only the loop, as a readable fd.
    const faultline::UniqueFd stop_fd = faultline::block_signals_to_fd({SIGTERM, SIGINT}, error);
    if (!stop_fd) {
        log(error);
        return 1;
    }
    std::unique_ptr<faultline::Publisher> publisher;
    if (!hub.empty()) {
        faultline::PublisherOptions po;
        po.hub_url = hub;
        po.producer = "kmsgmon";
        po.log = log;
        publisher = std::make_unique<faultline::Publisher>(po);
    }
    auto emit = [&](faultline::Event e) {
        if (publisher) return publisher->publish(std::move(e));
        std::printf("%s\n", faultline::encode_event(e).c_str());
        std::fflush(stdout);
    };
    if (!harden(no_oom_protect, mlock, log)) return 1;
    kmsgmon::EventLoop loop;
    loop.stop_on_signal(stop_fd.get());
    kmsgmon::KmsgMonitor kmsg_monitor(
        loop, kmsg, source, emit, [&] { loop.stop(); }, log);
    if (!kmsg_monitor.start(error)) {
        log(error);
        return 1;
    }
    std::optional<kmsgmon::PressureMonitor> monitor;
    if (!pressure.disabled) {
        monitor.emplace(loop, pressure, source, emit, log);
        if (!monitor->start(error)) {
            log(error);
            return 1;
        }
    }
    if (!loop.run(error)) log(error);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    if (monitor) monitor->flush(deadline);
    if (const auto& st = kmsg_monitor.stats(); st.overruns)
        log(std::to_string(st.lost) + " kernel log records were lost to overruns");
    if (publisher) publisher->flush(deadline);
    return 0;
}
