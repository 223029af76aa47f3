// The CDP monitor's settings (flags in monitor/flags.hpp).
#pragma once

#include <cstdint>
#include <string>

#include "faultline/log.hpp"

namespace faultline::monitor {

struct MonitorOptions {
    bool enabled = true;             // --monitor / --no-monitor
    double crash_oom_wait = 2;       // seconds a page_crashed waits for kmsgmon's OOM kill
    double screenshot_interval = 2;  // seconds between screenshots at least
    uint64_t screenshot_max_bytes = 729 * 1024;  // PNG bytes; larger ones are not published
    uint64_t reconnect_attempts = 10;            // dials after losing Chromium before giving up
    uint64_t interaction_interval_ms = 50;       // per session and type
    LogFn log = null_log();                      // main injects stderr_log("cdp-proxy: monitor")
    std::string host;  // source.host of its events: the process's one host (main sets it)
};

}  // namespace faultline::monitor
