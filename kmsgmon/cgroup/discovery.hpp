// Where kmsgmon runs: finds the memory cgroup it sees (cgroup v2, cgroup v1's memory controller,
// or the hybrid layout: v1 memory plus per-cgroup PSI on the v2 hierarchy at .../unified) from
// /proc/self/cgroup and /proc/self/mountinfo. Pure over its inputs, so fixture trees test it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace faultline::kmsgmon {

struct CgroupMount {
    std::string root;         // the hierarchy path mounted (4th mountinfo field)
    std::string mount_point;  // where (5th field)
    bool v2 = false;          // cgroup2; else cgroup v1
    bool memory = false;      // v1 with the memory controller
};

// The cgroup mounts in mountinfo text (lines of other file systems are skipped).
std::vector<CgroupMount> parse_cgroup_mounts(std::string_view mountinfo);

// The path of this process in a hierarchy from /proc/self/cgroup text: controller "memory"
// (v1 line "N:...memory...:/path") or "" (v2 line "0::/path"). nullopt when absent.
std::optional<std::string> proc_cgroup_path(std::string_view proc_cgroup,
                                            std::string_view controller);

struct CgroupInfo {
    enum class Layout { none, v1, v2 };
    Layout layout = Layout::none;
    std::string dir;            // the memory cgroup's directory (memory.* files live here)
    std::string host_path;      // its path in the hierarchy as the kernel log names it ("" unknown)
    std::string psi_path;       // its memory.pressure (v2, or the hybrid's unified twin), or ""
    bool mounted_root = false;  // a cgroup below the hierarchy's root mounted as the root (a
                                // container's view of its own cgroup)
    std::string why;            // when layout is none: why no memory cgroup is watched
    const char* layout_name() const;
};

// Finds the memory cgroup under sysroot ("" for the real machine; a fixture directory in tests).
// override_dir (--cgroup PATH) replaces the discovered directory; its layout is told by its files.
CgroupInfo discover_cgroup(std::string_view proc_cgroup, std::string_view mountinfo,
                           const std::string& sysroot, const std::string& override_dir);

// Reads a whole small file ("" and false when unreadable).
bool read_small_file(const std::string& path, std::string& out);

}  // namespace faultline::kmsgmon
