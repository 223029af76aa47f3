#include "cgroup/placement.hpp"

#include <unistd.h>

#include "cgroup/memory_files.hpp"

namespace kmsgmon {

void add_placement_flags(faultline::FlagSet& flags, PlacementOptions& opt) {
    flags.add_string("cgroup", &opt.cgroup,
                     "watch this memory cgroup directory (its OOM counter, limit and PSI) instead "
                     "of the one kmsgmon finds itself in; only its kills are reported; 'none' "
                     "watches the machine only",
                     "PATH");
    flags.add_bool("no-kmsg", &opt.no_kmsg,
                   "do not read the kernel log (OOM kills then come from the cgroup's counter)");
}

bool initial_pid_namespace(std::string_view ns_link) {
    return ns_link.empty() || ns_link == "pid:[4026531836]";
}

Placement find_placement(const PlacementOptions& opt, int64_t machine_total_kb) {
    Placement p;
    const std::string root = opt.sysroot;
    char link[64] = {};
    const ssize_t n = ::readlink((root + "/proc/self/ns/pid").c_str(), link, sizeof link - 1);
    p.own_pid_namespace = initial_pid_namespace(n > 0 ? std::string_view(link, n) : "");
    if (opt.cgroup == "none") {
        p.info.why = "--cgroup none";
        return p;
    }
    std::string proc_cgroup, mountinfo;
    read_small_file(root + "/proc/self/cgroup", proc_cgroup);
    read_small_file(root + "/proc/self/mountinfo", mountinfo);
    p.info = discover_cgroup(proc_cgroup, mountinfo, root, opt.cgroup);
    if (p.info.layout == CgroupInfo::Layout::none) return p;
    const CgroupMemoryState st = CgroupMemory(p.info).read();
    if (!opt.cgroup.empty())
        p.confined = true, p.confined_why = "--cgroup";
    else if (p.info.mounted_root)
        p.confined = true, p.confined_why = "container";
    else if (st.limit_kb && machine_total_kb > 0 && *st.limit_kb < machine_total_kb)
        p.confined = true, p.confined_why = "limit below the machine's memory";
    return p;
}

}  // namespace kmsgmon
