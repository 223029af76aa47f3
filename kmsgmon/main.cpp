// kmsgmon: Reports kernel OOM kills from /dev/kmsg and memory pressure on its leading edge.
// (The /dev/kmsg part lands from the kmsgmon branch; this main wires the pressure part.)
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
#include "pressure_monitor.hpp"

namespace {

kmsgmon::EventLoop* g_loop = nullptr;

void on_signal(int) {
    if (g_loop) g_loop->stop();
}

}  // namespace

int main(int argc, char** argv) {
    faultline::FlagSet flags(
        "kmsgmon", "kmsgmon [OPTIONS]",
        "Reports kernel OOM kills from /dev/kmsg and memory pressure on its leading edge.\n"
        "Without --hub, events are printed as one JSON envelope per line on stdout.");
    std::string hub;
    flags.add_string("hub", &hub, "publish events to this telemetry hub (core publisher)", "URL");
    kmsgmon::PressureOptions pressure;
    kmsgmon::add_pressure_flags(flags, pressure);
    flags.add_section("Exit codes",
                      "  0  stopped by SIGTERM/SIGINT, or a replay finished\n"
                      "  1  cannot start (e.g. meminfo unreadable)\n"
                      "  2  bad flags or a bad replay file");
    if (int rc = flags.handle(argc, argv, FAULTLINE_VERSION); rc >= 0) return rc;
    std::string error;
    if (!kmsgmon::validate_pressure_options(pressure, error)) {
        std::fprintf(stderr, "kmsgmon: %s\n", error.c_str());
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
    kmsgmon::EventLoop loop;
    g_loop = &loop;
    ::signal(SIGTERM, on_signal);
    ::signal(SIGINT, on_signal);
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
    if (publisher) publisher->flush(deadline);
    return 0;
}
