// Recognises the kernel lines that describe one OOM kill (kernel 4.x to 6.x formats):
//   "<comm> invoked oom-killer: gfp_mask=0x..(...), order=N, oom_score_adj=N"
//   "oom-kill:constraint=...,nodemask=...,oom_memcg=...,task_memcg=...,task=...,pid=N,uid=N"
//   "[Memory cgroup ]Out of memory: Killed process N (comm) total-vm:NkB, ... oom_score_adj:N"
//   "Out of memory: Kill process N (comm) score N or sacrifice child" then "Killed process ..."
// comm may hold spaces and parentheses. Malformed or truncated lines are not recognised.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace faultline::kmsgmon {

// "<comm> invoked oom-killer: ...": the process whose allocation triggered the OOM killer.
struct OomInvoked {
    std::string comm;
    std::optional<std::string> gfp_mask;  // e.g. "0xcc0(GFP_KERNEL)"
    std::optional<int64_t> order;
};

// "oom-kill:constraint=...": the summary line printed just before the kill (kernel >= 4.19).
struct OomConstraint {
    std::optional<std::string> constraint, oom_memcg, task_memcg, task;
    std::optional<int64_t> pid, uid;
};

// "... Killed process N (comm) total-vm:...": the kill itself. Absent fields stay empty.
struct OomKilled {
    int64_t pid = 0;
    std::string comm;
    std::optional<int64_t> total_vm_kb, anon_rss_kb, file_rss_kb, shmem_rss_kb, pgtables_kb;
    std::optional<int64_t> uid, oom_score_adj;
};

using OomLine = std::variant<std::monostate, OomInvoked, OomConstraint, OomKilled>;

// Classifies one kernel log message (already unescaped). Returns std::monostate for lines
// that are not (or not well-formed) OOM lines; never throws except std::bad_alloc.
OomLine parse_oom_line(std::string_view message);

}  // namespace faultline::kmsgmon
