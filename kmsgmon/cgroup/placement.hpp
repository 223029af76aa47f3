// Where kmsgmon runs, decided once at start: the memory cgroup it watches (if any), whether it
// is confined to it (a container or --cgroup: then only that cgroup's kills count and pressure
// is measured against its limit) or watches the machine, and whether kernel pids are ours.
// Also --cgroup and --no-kmsg.
#pragma once

#include <string>

#include "cgroup/discovery.hpp"
#include "faultline/cli.hpp"

namespace faultline::kmsgmon {

struct PlacementOptions {
    std::string cgroup;  // --cgroup PATH: the memory cgroup directory to watch; "none": no cgroup
    bool no_kmsg = false;
    std::string sysroot;  // tests: a fixture tree standing for /
};

// Registers --cgroup and --no-kmsg (with their FAULTLINE_* twins).
void add_placement_flags(faultline::FlagSet& flags, PlacementOptions& opt);

struct Placement {
    CgroupInfo info;
    bool confined = false;     // only this cgroup's kills count; its limit is the memory
    std::string confined_why;  // "container" / "--cgroup" / "limit below the machine's memory"
    bool own_pid_namespace = true;
};

Placement find_placement(const PlacementOptions& opt);

// True when the link text of /proc/self/ns/pid ("pid:[4026531836]") names the initial pid
// namespace, whose inode is fixed (PROC_PID_INIT_INO): then the kernel's pids are ours.
// An unreadable link ("") counts as the initial namespace (kernels without ns links).
bool initial_pid_namespace(std::string_view ns_link);
// The same for /proc/self/ns/cgroup (PROC_CGROUP_INIT_INO): another one means a container.
bool initial_cgroup_namespace(std::string_view ns_link);

}  // namespace faultline::kmsgmon
