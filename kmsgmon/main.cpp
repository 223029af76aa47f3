// kmsgmon: Reports kernel OOM kills from /dev/kmsg and memory pressure on its leading edge.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cgroup/memory_files.hpp"
#include "cgroup/oom_watch.hpp"
#include "cgroup/placement.hpp"
#include "cgroup/pressure_level.hpp"
#include "event_loop.hpp"
#include "faultline/cli.hpp"
#include "faultline/clock.hpp"
#include "faultline/hostname.hpp"
#include "faultline/log.hpp"
#include "faultline/publisher.hpp"
#include "faultline/signal_fd.hpp"
#include "faultline_version.h"
#include "oom/event.hpp"
#include "oom/kmsg_monitor.hpp"
#include "pressure/monitor.hpp"
#include "pressure/sample_sender.hpp"
#include "process_hardening.hpp"

namespace {

// Applies --no-oom-protect and --mlock. Returns false when --mlock was refused (a failed
// OOM protection only warns: unprivileged test runs are still useful).
bool harden(bool no_oom_protect, bool mlock, const faultline::LogFn& log) {
    std::string error;
    if (!no_oom_protect && !faultline::kmsgmon::protect_from_oom_killer(error))
        log("warning: " + error);
    if (mlock && !faultline::kmsgmon::lock_memory(error)) {
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
        "Inside a container it watches the container's memory cgroup: its OOM counter (with or\n"
        "without /dev/kmsg), its limit and its PSI.\n"
        "Without --hub, events are printed as one JSON envelope per line on stdout.");
    std::string hub;
    flags.add_string("hub", &hub, "publish events to this telemetry hub (core publisher)", "URL");
    faultline::kmsgmon::KmsgOptions kmsg;
    faultline::kmsgmon::add_kmsg_flags(flags, kmsg);
    faultline::kmsgmon::PlacementOptions where;
    faultline::kmsgmon::add_placement_flags(flags, where);
    bool no_oom_protect = false, mlock = false;
    flags.add_bool("no-oom-protect", &no_oom_protect,
                   "keep our oom_score_adj (by default kmsgmon sets -1000 so it outlives what it "
                   "watches)");
    flags.add_bool("mlock", &mlock,
                   "lock kmsgmon's memory in RAM (never paged out under pressure)");
    faultline::kmsgmon::PressureOptions pressure;
    faultline::kmsgmon::add_pressure_flags(flags, pressure);
    flags.add_section(
        "OOM kills",
        "  Every kernel OOM kill becomes one system_oom_kill event: the \"Killed process\"\n"
        "  line joined with its \"invoked oom-killer\" and \"oom-kill:\" lines. Only records\n"
        "  of the kernel facility count; lines user space writes to /dev/kmsg never do.\n"
        "  Records the kernel overwrote before they were read are counted on stderr.\n"
        "  Inside a container (or with --cgroup), each increment of the cgroup's oom_kill\n"
        "  counter (v2 memory.events, v1 memory.oom_control) is one kill: the kernel's\n"
        "  report supplies the details when /dev/kmsg is readable (victim\n"
        "  \"kernel_report\"), else the victim is the cgroup's process that vanished then\n"
        "  (victim \"inferred\"); kills in other cgroups are not reported. pids are the\n"
        "  ones kmsgmon's pid namespace sees.\n"
        "  Each source is optional: kmsgmon logs one line saying what it watches.");
    flags.add_section("Examples",
                      "  kmsgmon --hub http://127.0.0.1:10001 --mlock\n"
                      "  kmsgmon --no-pressure | jq .data          # OOM kills as NDJSON\n"
                      "  kmsgmon --kmsg saved-kmsg.txt --no-pressure --no-oom-protect");
    flags.add_section("Exit codes",
                      "  0  stopped by SIGTERM/SIGINT, or a replay finished\n"
                      "  1  nothing to watch (no kernel log, no memory cgroup, no meminfo), or\n"
                      "     --mlock refused\n"
                      "  2  bad flags or a bad replay file");
    if (int rc = flags.handle(argc, argv, FAULTLINE_VERSION); rc >= 0) return rc;
    const faultline::LogFn log = faultline::stderr_log("kmsgmon");
    std::string error;
    if (!faultline::kmsgmon::validate_pressure_options(pressure, error)) {
        log(error);
        return 2;
    }
    faultline::HttpUrl hub_url;
    if (!hub.empty() && !faultline::parse_http_url(hub, hub_url, error)) {
        log("--hub '" + hub + "': " + error + " (e.g. http://127.0.0.1:10001)");
        return 2;
    }
    const faultline::Source source{"kmsg", faultline::hostname_or(""), "kmsgmon", ::getpid()};
    if (!pressure.replay.empty())
        return faultline::kmsgmon::run_pressure_replay(pressure, source, log);

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
    // Each memory sample also goes to the hub's chart and /metrics, never queued (issue 25).
    std::unique_ptr<faultline::kmsgmon::SampleSender> sample_sender;
    if (!hub.empty() && !pressure.disabled) {
        faultline::kmsgmon::SampleSenderOptions so;
        so.log = log;
        sample_sender = std::make_unique<faultline::kmsgmon::SampleSender>(hub_url, so);
    }
    auto emit = [&](faultline::Event e) {
        if (publisher) return publisher->publish(std::move(e));
        std::printf("%s\n", faultline::encode_event(e).c_str());
        std::fflush(stdout);
    };
    if (!harden(no_oom_protect, mlock, log)) return 1;
    faultline::kmsgmon::EventLoop loop;
    loop.stop_on_signal(stop_fd.get());
    const faultline::kmsgmon::Placement place = faultline::kmsgmon::find_placement(where);
    std::vector<std::string> watching, missing;

    std::optional<faultline::kmsgmon::KmsgMonitor> kmsg_monitor;
    if (where.no_kmsg) {
        missing.push_back("kernel log (--no-kmsg)");
    } else {
        kmsg_monitor.emplace(
            loop, kmsg, source, emit, [&] { loop.stop(); }, log);
        if (!kmsg_monitor->start(error)) {
            missing.push_back("kernel log (" + error + ")");
            kmsg_monitor.reset();
        }
    }
    const auto& cg = place.info;
    const std::string cg_name = cg.host_path.empty() ? cg.dir : cg.host_path;
    std::optional<faultline::kmsgmon::OomWatch> oom_watch;
    if (cg.layout != faultline::kmsgmon::CgroupInfo::Layout::none &&
        (place.confined || !kmsg_monitor)) {
        faultline::kmsgmon::OomWatch::Options o;
        o.kmsg_available = kmsg_monitor.has_value();
        o.own_pid_namespace = place.own_pid_namespace;
        o.own_refresh = pressure.disabled;
        o.boot_id = kmsg_monitor ? kmsg_monitor->boot_id() : faultline::kmsgmon::read_boot_id();
        oom_watch.emplace(loop, faultline::kmsgmon::CgroupMemory(cg), o, source, emit, log);
        if (oom_watch->start(error)) {
            watching.push_back("OOM counter of memory cgroup " + cg_name + " (" + cg.layout_name() +
                               ", " + oom_watch->how() + ")");
        } else {
            missing.push_back("OOM counter (" + error + ")");
            oom_watch.reset();
        }
    } else if (cg.layout == faultline::kmsgmon::CgroupInfo::Layout::none) {
        missing.push_back("memory cgroup (" + cg.why + ")");
    } else {
        missing.push_back("memory cgroup " + cg_name +
                          " on its own (not a container: the machine is watched)");
    }
    if (kmsg_monitor) {
        if (place.confined && oom_watch) {
            kmsg_monitor->set_kill_handler(
                [&](const faultline::kmsgmon::OomKill& k) { oom_watch->on_kernel_kill(k); });
            watching.push_back("kernel log " + kmsg.path + " (kills in " + cg_name + " only)");
        } else if (place.confined) {
            // Confined but the counter is unreadable: the kernel's memcg names still tell ours.
            kmsg_monitor->set_kill_handler(
                [&, path = cg.host_path](const faultline::kmsgmon::OomKill& k) {
                    if (faultline::kmsgmon::kill_in_cgroup(k, path))
                        emit(faultline::kmsgmon::system_oom_kill_event(k, source,
                                                                       kmsg_monitor->boot_id()));
                });
            watching.push_back("kernel log " + kmsg.path + " (kills in " + cg_name + " only)");
        } else {
            watching.push_back("kernel log " + kmsg.path + " (every kill)");
        }
    }
    std::optional<faultline::kmsgmon::PressureMonitor> monitor;
    std::optional<faultline::kmsgmon::PressureLevelWatch> level_watch;
    std::string no_level;  // why v1 level notifications are not used where they were wanted
    if (!pressure.disabled) {
        monitor.emplace(loop, pressure, source, emit, log);
        faultline::kmsgmon::MemoryScope scope;
        if (place.confined) {
            scope.cgroup = cg_name;
            scope.psi_path = cg.psi_path;
            scope.limit_view = [mem = faultline::kmsgmon::CgroupMemory(cg)](
                                   const faultline::kmsgmon::MemInfo& machine,
                                   faultline::kmsgmon::MemInfo& out) {
                return faultline::kmsgmon::limit_relative_meminfo(mem.read(), machine, out);
            };
        }
        if (oom_watch) scope.on_sample = [&] { oom_watch->on_sample(); };
        if (faultline::kmsgmon::pressure_signal_for(cg, place.confined) ==
            faultline::kmsgmon::PressureSignal::pressure_level) {
            level_watch.emplace(loop);
            if (level_watch->start(
                    cg.dir, [&] { monitor->wake(); }, error))
                scope.pressure_level = [&] {
                    return level_watch->level(faultline::kmsgmon::EventLoop::Clock::now());
                };
            else
                no_level = "; memory.pressure_level unusable: " + error, level_watch.reset();
        }
        const bool cgroup_memory = place.confined;
        monitor->set_scope(std::move(scope));
        if (sample_sender)
            monitor->set_sample_sink([&](const faultline::kmsgmon::PressureSample& s) {
                sample_sender->post(
                    faultline::kmsgmon::memory_sample_of(s, source.host, faultline::wall_now_ms()));
            });
        if (monitor->start(error)) {
            watching.push_back(
                std::string("memory pressure (") +
                (cgroup_memory ? "against the limit of " + cg_name : "the machine's") + ", PSI " +
                monitor->psi_source() + no_level + ")");
        } else {
            missing.push_back("memory pressure (" + error + ")");
            level_watch.reset();  // it wakes the monitor
            monitor.reset();
        }
    } else {
        missing.push_back("memory pressure (--no-pressure)");
    }
    std::string line = "watching: ";
    for (size_t i = 0; i < watching.size(); ++i) line += (i ? "; " : "") + watching[i];
    if (watching.empty()) line += "nothing";
    if (!missing.empty()) {
        line += ". Not watching: ";
        for (size_t i = 0; i < missing.size(); ++i) line += (i ? "; " : "") + missing[i];
    }
    log(line);
    if (watching.empty()) return 1;
    if (!loop.run(error)) log(error);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    if (monitor) monitor->flush(deadline);
    if (const auto* st = kmsg_monitor ? &kmsg_monitor->stats() : nullptr; st && st->overruns)
        log(std::to_string(st->lost) + " kernel log records were lost to overruns");
    if (publisher) publisher->flush(deadline);
    if (const auto st =
            sample_sender ? sample_sender->stats() : faultline::kmsgmon::SampleSender::Stats{};
        st.dropped)
        log("memory samples: " + std::to_string(st.sent) + " sent to the hub, " +
            std::to_string(st.dropped) + " dropped");
    return 0;
}
