// One observation of memory state: what /proc/meminfo and /proc/pressure/memory said at time t.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace kmsgmon {

struct PressureSample {
    double t = 0;  // seconds on a steady clock (replay files: any origin)
    int64_t mem_total_kb = 0;
    int64_t mem_available_kb = 0;
    int64_t swap_total_kb = 0;  // 0 = no swap
    int64_t swap_free_kb = 0;
    std::optional<double> psi_some_avg10;  // percent; empty where PSI is not available
    std::optional<double> psi_full_avg10;
    std::string scope;   // "cgroup" (a cgroup's limit) or "host"; "" in old recordings
    std::string cgroup;  // the cgroup when scope is "cgroup"
};

}  // namespace kmsgmon
