// One observation of memory state: what /proc/meminfo and /proc/pressure/memory said at time t.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace faultline::kmsgmon {

// cgroup v1 memory.pressure_level, the kernel's vmpressure levels (reclaim cost): low
// (reclaiming), medium (swapping, evicting active caches), critical (thrashing, OOM near).
// none: no notification within the last 10 s.
enum class VmPressure { none = 0, low, medium, critical };

inline std::string_view vm_pressure_name(VmPressure l) {
    switch (l) {
        case VmPressure::low:
            return "low";
        case VmPressure::medium:
            return "medium";
        case VmPressure::critical:
            return "critical";
        case VmPressure::none:
            break;
    }
    return "none";
}

inline std::optional<VmPressure> parse_vm_pressure(std::string_view s) {
    for (auto l : {VmPressure::none, VmPressure::low, VmPressure::medium, VmPressure::critical})
        if (s == vm_pressure_name(l)) return l;
    return std::nullopt;
}

struct PressureSample {
    double t = 0;  // seconds on a steady clock (replay files: any origin)
    int64_t mem_total_kb = 0;
    int64_t mem_available_kb = 0;
    int64_t swap_total_kb = 0;  // 0 = no swap
    int64_t swap_free_kb = 0;
    std::optional<double> psi_some_avg10;  // percent; empty where PSI is not available
    std::optional<double> psi_full_avg10;
    std::string psi_scope;  // whose PSI the avg10s are: "cgroup" or "host"; "" without PSI
    // Where v1 memory.pressure_level notifications stand in for PSI: the highest level notified
    // within the last 10 s (the window PSI's avg10 averages over). Empty elsewhere.
    std::optional<VmPressure> pressure_level;
    std::string scope;   // "cgroup" (a cgroup's limit) or "host"; "" in old recordings
    std::string cgroup;  // the cgroup when scope is "cgroup"
};

}  // namespace faultline::kmsgmon
