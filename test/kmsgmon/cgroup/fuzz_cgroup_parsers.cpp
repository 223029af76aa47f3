// libFuzzer target: the cgroup parsers (mountinfo, /proc/self/cgroup, flat keyed counters,
// limits, NSpid-free pid namespace links) on the same bytes. None may crash or hang, and
// whatever they accept must be consistent.
#include <cstdint>
#include <string>
#include <string_view>

#include "cgroup/discovery.hpp"
#include "cgroup/memory_files.hpp"
#include "cgroup/placement.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    for (const auto& m : faultline::kmsgmon::parse_cgroup_mounts(in))
        if (m.memory && m.v2) __builtin_trap();
    if (auto p = faultline::kmsgmon::proc_cgroup_path(in, "memory");
        p && p->find('\n') != std::string::npos)
        __builtin_trap();
    (void)faultline::kmsgmon::proc_cgroup_path(in, "");
    if (auto v = faultline::kmsgmon::flat_keyed_value(in, "oom_kill"); v && *v < 0)
        __builtin_trap();
    if (auto v = faultline::kmsgmon::parse_limit_bytes(in);
        v && (*v < 0 || *v >= (int64_t{1} << 62)))
        __builtin_trap();
    (void)faultline::kmsgmon::initial_pid_namespace(in);
    return 0;
}
