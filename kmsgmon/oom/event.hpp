// system_oom_kill events from correlated OOM kills.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "faultline/event.hpp"
#include "oom/correlator.hpp"

namespace faultline::kmsgmon {

// What a memory cgroup adds to a kill it counted (inside a container): how the kill was
// detected, the cgroup, its limit and usage, how the victim was found and, where the kernel's
// pid is not ours (another pid namespace), the victim's pid as we see it (nullopt: unknown).
struct OomCgroupContext {
    std::string detected_by = "kmsg";  // "kmsg" or "cgroup"
    std::string cgroup;
    std::optional<int64_t> limit_kb, usage_kb;
    bool translate_pid = false;
    std::optional<int64_t> pid;
};

// The event's data object (fields as in core's schema; absent facts are left out).
std::string system_oom_kill_data(const OomKill& kill, const OomCgroupContext* ctx = nullptr);

// The event, stamped now (wall clock at reading, never the kernel's monotonic time). Its id
// is boot_id + kernel seq, so a kill replayed with --from-start is stored by the hub once.
faultline::Event system_oom_kill_event(const OomKill& kill, const faultline::Source& source,
                                       const std::string& boot_id,
                                       const OomCgroupContext* ctx = nullptr);

// The kernel's boot id (/proc/sys/kernel/random/boot_id), or "" when unreadable.
std::string read_boot_id();

}  // namespace faultline::kmsgmon
