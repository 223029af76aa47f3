// The CDP monitor's command-line flags (each with its FAULTLINE_* environment twin).
#pragma once

#include "faultline/cli.hpp"
#include "monitor/monitor_options.hpp"

namespace faultline::monitor {

struct MonitorFlags {
    bool monitor = true;
    bool no_monitor = false;
};

// Adds --monitor, --no-monitor, --crash-oom-wait, --screenshot-interval,
// --screenshot-max-bytes and --monitor-reconnect-attempts.
void add_monitor_flags(FlagSet& flags, MonitorOptions& o, MonitorFlags& f);

// Applies --monitor/--no-monitor and checks the values; false with error naming the flag.
bool finish_monitor_flags(MonitorOptions& o, const MonitorFlags& f, std::string& error);

// The --help section on what the monitor records.
void add_monitor_help(FlagSet& flags);

}  // namespace faultline::monitor
