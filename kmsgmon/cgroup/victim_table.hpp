// The processes of the watched cgroup, as this pid namespace sees them: pid, comm, anonymous
// RSS. Refreshed at every memory sample, so that a process that lived through one sample is
// known when it vanishes at an OOM kill (the victim). Cheap: cgroup.procs plus two small
// /proc files per process.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace faultline::kmsgmon {

struct TableEntry {
    int64_t pid = 0;
    std::string comm;
    std::optional<int64_t> anon_rss_kb;
};

class VictimTable {
  public:
    // procs_file: the cgroup's cgroup.procs; proc_root: "/proc" (a fixture dir in tests).
    VictimTable(std::string procs_file, std::string proc_root)
        : procs_file_(std::move(procs_file)), proc_root_(std::move(proc_root)) {}

    // Re-reads the cgroup's processes. Returns the entries that were known and are gone now
    // (exited, or zombies), and forgets them.
    std::vector<TableEntry> refresh();
    const std::map<int64_t, TableEntry>& entries() const { return entries_; }

    // The victim among vanished entries: the only one, else the largest anon RSS (the OOM
    // killer's choice). nullopt when none vanished. comm, when known (from the kernel's
    // report), restricts the choice to entries of that name.
    static std::optional<TableEntry> pick(const std::vector<TableEntry>& vanished,
                                          const std::string& comm = "");

  private:
    bool read_entry(int64_t pid, TableEntry& out) const;
    std::string procs_file_, proc_root_;
    std::map<int64_t, TableEntry> entries_;
};

}  // namespace faultline::kmsgmon
