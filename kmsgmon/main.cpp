// kmsgmon: Reports kernel OOM kills from /dev/kmsg and memory pressure on its leading edge.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>

#include "event_loop.hpp"
#include "faultline/cli.hpp"
#include "faultline/publisher.hpp"
#include "faultline_version.h"
#include "oom/kmsg_monitor.hpp"
#include "pressure/monitor.hpp"
#include "process_hardening.hpp"

namespace {

kmsgmon::EventLoop* g_loop = nullptr;

void on_signal(int) {
    if (g_loop) g_loop->stop();
}

// Applies --no-oom-protect and --mlock. Returns false when --mlock was refused (a failed
// OOM protection only warns: unprivileged test runs are still useful).
bool harden(bool no_oom_protect, bool mlock) {
    std::string error;
    if (!no_oom_protect && !kmsgmon::protect_from_oom_killer(error))
        std::fprintf(stderr, "kmsgmon: warning: %s\n", error.c_str());
    if (mlock && !kmsgmon::lock_memory(error)) {
        std::fprintf(stderr, "kmsgmon: %s\n", error.c_str());
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
    std::string error;
    if (!kmsgmon::validate_pressure_options(pressure, error)) {
        std::fprintf(stderr, "kmsgmon: %s\n", error.c_str());
        return 2;
    }
    if (faultline::HttpUrl url; !hub.empty() && !faultline::parse_http_url(hub, url, error)) {
        std::fprintf(stderr, "kmsgmon: --hub '%s': %s (e.g. http://127.0.0.1:10001)\n", hub.c_str(),
                     error.c_str());
        return 2;
    }
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    const faultline::Source source{"kmsg", host, "kmsgmon", ::getpid()};
    if (!pressure.replay.empty()) return kmsgmon::run_pressure_replay(pressure, source);

    std::unique_ptr<faultline::Publisher> publisher;
    if (!hub.empty()) {
        faultline::PublisherOptions po;
        po.hub_url = hub;
        po.producer = "kmsgmon";
        publisher = std::make_unique<faultline::Publisher>(po);
    }
    auto emit = [&](faultline::Event e) {
        if (publisher) return publisher->publish(std::move(e));
        std::printf("%s\n", faultline::encode_event(e).c_str());
        std::fflush(stdout);
    };
    if (!harden(no_oom_protect, mlock)) return 1;
    kmsgmon::EventLoop loop;
    g_loop = &loop;
    ::signal(SIGTERM, on_signal);
    ::signal(SIGINT, on_signal);
    kmsgmon::KmsgMonitor kmsg_monitor(loop, kmsg, source, emit, [&] { loop.stop(); });
    if (!kmsg_monitor.start(error)) {
        std::fprintf(stderr, "kmsgmon: %s\n", error.c_str());
        return 1;
    }
    std::optional<kmsgmon::PressureMonitor> monitor;
    if (!pressure.disabled) {
        monitor.emplace(loop, pressure, source, emit);
        if (!monitor->start(error)) {
            std::fprintf(stderr, "kmsgmon: %s\n", error.c_str());
            return 1;
        }
    }
    if (int rc = loop.run(); rc != 0) std::fprintf(stderr, "kmsgmon: %s\n", loop.error().c_str());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    if (monitor) monitor->flush(deadline);
    if (const auto& st = kmsg_monitor.stats(); st.overruns)
        std::fprintf(stderr, "kmsgmon: %llu kernel log records were lost to overruns\n",
                     static_cast<unsigned long long>(st.lost));
    if (publisher) publisher->flush(deadline);
    return 0;
}
