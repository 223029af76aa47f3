#include "cgroup/placement.hpp"

#include <unistd.h>

namespace faultline::kmsgmon {

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

bool initial_cgroup_namespace(std::string_view ns_link) {
    return ns_link.empty() || ns_link == "cgroup:[4026531835]";
}

Placement find_placement(const PlacementOptions& opt) {
    Placement p;
    const std::string root = opt.sysroot;
    char link[64] = {};
    ssize_t n = ::readlink((root + "/proc/self/ns/pid").c_str(), link, sizeof link - 1);
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
    // A container: its own cgroup namespace, or (v1, the host's namespace) its cgroup mounted
    // as the root. A limit alone confines nothing: a VM's kmsgmon under a systemd MemoryMax
    // still watches the machine.
    n = ::readlink((root + "/proc/self/ns/cgroup").c_str(), link, sizeof link - 1);
    const bool own_cgroup_ns = !initial_cgroup_namespace(n > 0 ? std::string_view(link, n) : "");
    if (own_cgroup_ns && !p.info.mounted_root)
        p.info.host_path.clear();  // the kernel names cgroups from the real root: unknown here
    if (!opt.cgroup.empty())
        p.confined = true, p.confined_why = "--cgroup";
    else if (p.info.mounted_root || own_cgroup_ns)
        p.confined = true, p.confined_why = "container";
    return p;
}

}  // namespace faultline::kmsgmon
