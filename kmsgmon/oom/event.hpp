// system_oom_kill events from correlated OOM kills.
#pragma once

#include <string>

#include "faultline/event.hpp"
#include "oom/correlator.hpp"

namespace kmsgmon {

// The event's data object (fields as in core's schema; absent facts are left out).
std::string system_oom_kill_data(const OomKill& kill);

// The event, stamped now (wall clock at reading, never the kernel's monotonic time). Its id
// is boot_id + kernel seq, so a kill replayed with --from-start is stored by the hub once.
faultline::Event system_oom_kill_event(const OomKill& kill, const faultline::Source& source,
                                       const std::string& boot_id);

// The kernel's boot id (/proc/sys/kernel/random/boot_id), or "" when unreadable.
std::string read_boot_id();

}  // namespace kmsgmon
