#include "cgroup/memory_files.hpp"

#include <charconv>

namespace faultline::kmsgmon {
namespace {

constexpr int64_t kNoLimitBytes = int64_t{1} << 62;  // v1 "unlimited" is 2^63 rounded to pages

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.remove_suffix(1);
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    return s;
}

std::optional<int64_t> to_int(std::string_view s) {
    s = trim(s);
    int64_t v = 0;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || v < 0 || s.empty()) return std::nullopt;
    return v;
}

std::optional<int64_t> read_value(const std::string& path,
                                  std::optional<int64_t> (*parse)(std::string_view)) {
    std::string text;
    if (!read_small_file(path, text)) return std::nullopt;
    return parse(text);
}

std::optional<int64_t> kb(std::optional<int64_t> bytes) {
    if (bytes) return *bytes / 1024;
    return std::nullopt;
}

}  // namespace

std::optional<int64_t> flat_keyed_value(std::string_view text, std::string_view key) {
    size_t pos = 0;
    while (pos < text.size()) {
        size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        const std::string_view line = text.substr(pos, end - pos);
        if (line.size() > key.size() && line.compare(0, key.size(), key) == 0 &&
            line[key.size()] == ' ')
            return to_int(line.substr(key.size() + 1));
        pos = end + 1;
    }
    return std::nullopt;
}

std::optional<int64_t> parse_limit_bytes(std::string_view text) {
    if (trim(text) == "max") return std::nullopt;
    const auto v = to_int(text);
    if (!v || *v >= kNoLimitBytes) return std::nullopt;
    return v;
}

std::optional<int64_t> parse_bytes(std::string_view text) {
    return to_int(text);
}

bool limit_relative_meminfo(const CgroupMemoryState& st, const MemInfo& machine, MemInfo& out) {
    if (!st.limit_kb || !st.usage_kb || *st.limit_kb >= machine.mem_total_kb) return false;
    const int64_t used = *st.usage_kb - st.inactive_file_kb.value_or(0);
    out.mem_total_kb = *st.limit_kb;
    out.mem_available_kb = std::max<int64_t>(0, *st.limit_kb - std::max<int64_t>(0, used));
    // Swap: the cgroup's own swap allowance, bounded by the machine's swap.
    if (st.swap_limit_kb && machine.swap_total_kb > 0) {
        out.swap_total_kb = std::min(*st.swap_limit_kb, machine.swap_total_kb);
        out.swap_free_kb = std::max<int64_t>(0, out.swap_total_kb - st.swap_usage_kb.value_or(0));
    } else {
        out.swap_total_kb = machine.swap_total_kb;
        out.swap_free_kb = machine.swap_free_kb;
    }
    return true;
}

std::string CgroupMemory::counter_path() const {
    return info_.dir +
           (info_.layout == CgroupInfo::Layout::v2 ? "/memory.events" : "/memory.oom_control");
}

std::optional<int64_t> CgroupMemory::oom_kills() const {
    std::string text;
    if (!read_small_file(counter_path(), text)) return std::nullopt;
    return flat_keyed_value(text, "oom_kill");
}

CgroupMemoryState CgroupMemory::read() const {
    CgroupMemoryState st;
    const std::string& d = info_.dir;
    std::string stat;
    const bool have_stat = read_small_file(d + "/memory.stat", stat);
    if (info_.layout == CgroupInfo::Layout::v2) {
        st.limit_kb = kb(read_value(d + "/memory.max", parse_limit_bytes));
        st.usage_kb = kb(read_value(d + "/memory.current", parse_bytes));
        if (have_stat) st.inactive_file_kb = kb(flat_keyed_value(stat, "inactive_file"));
        st.swap_limit_kb = kb(read_value(d + "/memory.swap.max", parse_limit_bytes));
        st.swap_usage_kb = kb(read_value(d + "/memory.swap.current", parse_bytes));
    } else if (info_.layout == CgroupInfo::Layout::v1) {
        st.limit_kb = kb(read_value(d + "/memory.limit_in_bytes", parse_limit_bytes));
        st.usage_kb = kb(read_value(d + "/memory.usage_in_bytes", parse_bytes));
        if (have_stat) {
            st.inactive_file_kb = kb(flat_keyed_value(stat, "total_inactive_file"));
            if (!st.inactive_file_kb)
                st.inactive_file_kb = kb(flat_keyed_value(stat, "inactive_file"));
        }
        // memsw counts memory + swap: the swap allowance is what it adds to the memory limit.
        const auto memsw_limit =
            kb(read_value(d + "/memory.memsw.limit_in_bytes", parse_limit_bytes));
        const auto memsw_usage = kb(read_value(d + "/memory.memsw.usage_in_bytes", parse_bytes));
        if (memsw_limit && st.limit_kb)
            st.swap_limit_kb = std::max<int64_t>(0, *memsw_limit - *st.limit_kb);
        if (memsw_usage && st.usage_kb)
            st.swap_usage_kb = std::max<int64_t>(0, *memsw_usage - *st.usage_kb);
    }
    return st;
}

}  // namespace faultline::kmsgmon
