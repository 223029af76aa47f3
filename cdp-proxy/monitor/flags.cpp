#include "monitor/flags.hpp"

namespace faultline::monitor {

void add_monitor_flags(FlagSet& flags, MonitorOptions& o, MonitorFlags& f) {
    flags.add_bool("monitor", &f.monitor,
                   "run the CDP monitor (page crashes always; browser events under a capture); "
                   "on by default");
    flags.add_bool("no-monitor", &f.no_monitor, "do not run the CDP monitor");
    flags.add_double("crash-oom-wait", &o.crash_oom_wait,
                     "seconds the page_crashed of a killed renderer waits for kmsgmon's "
                     "system_oom_kill so it can be linked to it",
                     "SECONDS");
    flags.add_double("screenshot-interval", &o.screenshot_interval,
                     "at least this many seconds between monitor_screenshot events", "SECONDS");
    flags.add_uint("screenshot-max-bytes", &o.screenshot_max_bytes,
                   "cap on a screenshot's PNG size: a larger one is taken again at half the "
                   "scale (down to 1/16), and not published if still too large",
                   "BYTES");
    flags.add_uint("monitor-reconnect-attempts", &o.reconnect_attempts,
                   "dials after losing Chromium before monitor_reconnect_failed (it keeps "
                   "trying after that, every 10 s at most)");
}

bool finish_monitor_flags(MonitorOptions& o, const MonitorFlags& f, std::string& error) {
    o.enabled = f.monitor && !f.no_monitor;
    if (o.crash_oom_wait < 0 || o.crash_oom_wait > 60)
        error = "--crash-oom-wait must be between 0 and 60 seconds";
    else if (o.screenshot_interval < 0)
        error = "--screenshot-interval must not be negative";
    else if (o.reconnect_attempts == 0)
        error = "--monitor-reconnect-attempts must be at least 1";
    else
        return true;
    return false;
}

void add_monitor_help(FlagSet& flags) {
    flags.add_section(
        "CDP MONITOR",
        "  A CDP client of its own on Chromium's browser endpoint (same discovery as the\n"
        "  proxy; proxied clients never see it). Always: page_crashed when a renderer dies,\n"
        "  linked to the system_oom_kill that killed it (oom_kill_seq). Under a capture of\n"
        "  console, network, page, interaction or screenshot it attaches to every page,\n"
        "  iframe and worker and records console_*, network_*, page_*, interaction_*,\n"
        "  monitor_screenshot; monitor_* tell when it lost and regained Chromium (a\n"
        "  Chromium that answers nothing for 15 s counts as lost: unresponsive).");
}

}  // namespace faultline::monitor
