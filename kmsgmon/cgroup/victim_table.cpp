#include "cgroup/victim_table.hpp"

#include <charconv>
#include <set>

#include "cgroup/discovery.hpp"
#include "cgroup/memory_files.hpp"

namespace faultline::kmsgmon {

bool VictimTable::read_entry(int64_t pid, TableEntry& out) const {
    std::string status;
    if (!read_small_file(proc_root_ + "/" + std::to_string(pid) + "/status", status)) return false;
    out.pid = pid;
    // "Name:\tcomm" and "State:\tZ (zombie)": a zombie has been killed already.
    for (size_t pos = 0; pos < status.size();) {
        size_t end = status.find('\n', pos);
        if (end == std::string::npos) end = status.size();
        const std::string_view line(status.data() + pos, end - pos);
        if (line.starts_with("Name:\t")) out.comm = std::string(line.substr(6));
        if (line.starts_with("State:\t") && line.size() > 7 && (line[7] == 'Z' || line[7] == 'X'))
            return false;
        if (line.starts_with("RssAnon:")) {
            std::string_view v = line.substr(8);
            while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
            int64_t kb = 0;
            if (std::from_chars(v.data(), v.data() + v.size(), kb).ec == std::errc())
                out.anon_rss_kb = kb;
        }
        pos = end + 1;
    }
    return true;
}

std::vector<TableEntry> VictimTable::refresh() {
    std::string procs;
    std::set<int64_t> alive;
    if (read_small_file(procs_file_, procs)) {
        for (size_t pos = 0; pos < procs.size();) {
            size_t end = procs.find('\n', pos);
            if (end == std::string::npos) end = procs.size();
            int64_t pid = 0;
            if (std::from_chars(procs.data() + pos, procs.data() + end, pid).ec == std::errc() &&
                pid > 0)
                alive.insert(pid);
            pos = end + 1;
        }
    }
    std::vector<TableEntry> vanished;
    std::map<int64_t, TableEntry> next;
    for (int64_t pid : alive) {
        TableEntry e;
        if (read_entry(pid, e)) next.emplace(pid, std::move(e));
    }
    for (auto& [pid, e] : entries_)
        if (!next.count(pid)) vanished.push_back(std::move(e));
    entries_ = std::move(next);
    return vanished;
}

std::optional<TableEntry> VictimTable::pick(const std::vector<TableEntry>& vanished,
                                            const std::string& comm) {
    const TableEntry* best = nullptr;
    for (const auto& e : vanished) {
        if (!comm.empty() && e.comm != comm) continue;
        if (!best || e.anon_rss_kb.value_or(0) > best->anon_rss_kb.value_or(0)) best = &e;
    }
    if (!best) return std::nullopt;
    return *best;
}

}  // namespace faultline::kmsgmon
