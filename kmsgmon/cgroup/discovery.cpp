#include "cgroup/discovery.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "faultline/unique_fd.hpp"

namespace faultline::kmsgmon {
namespace {

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    size_t start = 0;
    while (true) {
        const size_t end = s.find(sep, start);
        out.push_back(s.substr(start, end == std::string_view::npos ? end : end - start));
        if (end == std::string_view::npos) return out;
        start = end + 1;
    }
}

bool exists(const std::string& path) {
    return ::access(path.c_str(), F_OK) == 0;
}

// The directory of hierarchy path `path` under a mount of hierarchy root `root`, or "" when
// path is outside what is mounted there.
std::string dir_under(const CgroupMount& m, const std::string& sysroot, const std::string& path) {
    const std::string& root = m.root;
    std::string rel;
    if (root == "/")
        rel = path == "/" ? "" : path;
    else if (path == root)
        rel = "";
    else if (path.size() > root.size() && path.compare(0, root.size(), root) == 0 &&
             path[root.size()] == '/')
        rel = path.substr(root.size());
    else
        return "";
    return sysroot + m.mount_point + rel;
}

}  // namespace

const char* CgroupInfo::layout_name() const {
    switch (layout) {
        case Layout::v1:
            return psi_path.empty() ? "cgroup v1" : "hybrid (v1 memory, v2 PSI)";
        case Layout::v2:
            return "cgroup v2";
        case Layout::none:
            break;
    }
    return "none";
}

std::vector<CgroupMount> parse_cgroup_mounts(std::string_view mountinfo) {
    std::vector<CgroupMount> out;
    for (std::string_view line : split(mountinfo, '\n')) {
        const size_t dash = line.find(" - ");
        if (dash == std::string_view::npos) continue;
        const auto left = split(line.substr(0, dash), ' ');
        const auto right = split(line.substr(dash + 3), ' ');
        if (left.size() < 5 || right.size() < 3) continue;
        CgroupMount m;
        if (right[0] == "cgroup2")
            m.v2 = true;
        else if (right[0] != "cgroup")
            continue;
        m.root = std::string(left[3]);
        m.mount_point = std::string(left[4]);
        if (!m.v2)
            for (std::string_view opt : split(right[2], ','))
                if (opt == "memory") m.memory = true;
        out.push_back(std::move(m));
    }
    return out;
}

std::optional<std::string> proc_cgroup_path(std::string_view proc_cgroup,
                                            std::string_view controller) {
    for (std::string_view line : split(proc_cgroup, '\n')) {
        const size_t a = line.find(':');
        const size_t b = a == std::string_view::npos ? a : line.find(':', a + 1);
        if (b == std::string_view::npos) continue;
        const std::string_view ctrls = line.substr(a + 1, b - a - 1);
        const std::string_view path = line.substr(b + 1);
        if (controller.empty() ? (line.substr(0, a) == "0" && ctrls.empty()) : [&] {
                for (std::string_view c : split(ctrls, ','))
                    if (c == controller) return true;
                return false;
            }())
            return std::string(path);
    }
    return std::nullopt;
}

CgroupInfo discover_cgroup(std::string_view proc_cgroup, std::string_view mountinfo,
                           const std::string& sysroot, const std::string& override_dir) {
    CgroupInfo info;
    const auto mounts = parse_cgroup_mounts(mountinfo);
    const CgroupMount* v1 = nullptr;
    const CgroupMount* v2 = nullptr;
    for (const auto& m : mounts) {
        if (m.memory && !v1) v1 = &m;
        if (m.v2 && !v2) v2 = &m;
    }
    const auto v1_path = proc_cgroup_path(proc_cgroup, "memory");
    const auto v2_path = proc_cgroup_path(proc_cgroup, "");
    if (!override_dir.empty()) {
        info.dir = override_dir;
        if (exists(override_dir + "/memory.oom_control"))
            info.layout = CgroupInfo::Layout::v1;
        else if (exists(override_dir + "/memory.events"))
            info.layout = CgroupInfo::Layout::v2;
        else {
            info.why =
                "--cgroup " + override_dir + " has neither memory.events nor memory.oom_control";
            return info;
        }
        // Its hierarchy path: the part below the mount it lies under.
        const CgroupMount* m = info.layout == CgroupInfo::Layout::v1 ? v1 : v2;
        const std::string mp = m ? sysroot + m->mount_point : "";
        if (m && override_dir.compare(0, mp.size(), mp) == 0) {
            std::string rel = override_dir.substr(mp.size());
            std::string root = m->root == "/" ? "" : m->root;
            info.host_path = root + rel;
            if (info.host_path.empty()) info.host_path = "/";
        }
        if (info.layout == CgroupInfo::Layout::v2 && exists(override_dir + "/memory.pressure"))
            info.psi_path = override_dir + "/memory.pressure";
        return info;
    }
    if (v1 && v1_path) {
        const std::string dir = dir_under(*v1, sysroot, *v1_path);
        if (!dir.empty() && exists(dir + "/memory.oom_control")) {
            info.layout = CgroupInfo::Layout::v1;
            info.dir = dir;
            // A container's cgroup mounted as the root: its hierarchy path is the mount's root.
            info.host_path = *v1_path;
            info.mounted_root = v1->root != "/" && *v1_path == v1->root;
            if (v2 && v2_path) {
                const std::string udir = dir_under(*v2, sysroot, *v2_path);
                if (!udir.empty() && exists(udir + "/memory.pressure"))
                    info.psi_path = udir + "/memory.pressure";
            }
            return info;
        }
        info.why =
            "memory cgroup " + *v1_path + " is not visible under " + sysroot + v1->mount_point;
    }
    if (v2 && v2_path) {
        const std::string dir = dir_under(*v2, sysroot, *v2_path);
        if (!dir.empty() && exists(dir + "/memory.events")) {
            info.layout = CgroupInfo::Layout::v2;
            info.dir = dir;
            info.host_path = *v2_path;
            info.mounted_root = v2->root != "/" && *v2_path == v2->root;
            if (exists(dir + "/memory.pressure")) info.psi_path = dir + "/memory.pressure";
            info.why.clear();
            return info;
        }
        if (info.why.empty())
            info.why =
                dir.empty()
                    ? "cgroup " + *v2_path + " is not visible under " + sysroot + v2->mount_point
                    : "no memory controller on cgroup v2 (" + dir + " has no memory.events)";
    }
    if (info.why.empty()) info.why = "no cgroup file system is mounted";
    return info;
}

bool read_small_file(const std::string& path, std::string& out) {
    out.clear();
    const faultline::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return false;
    char buf[4096];
    while (true) {
        const ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return false;
        if (n == 0) return true;
        out.append(buf, static_cast<size_t>(n));
        if (out.size() > (1 << 20)) return true;
    }
}

}  // namespace faultline::kmsgmon
