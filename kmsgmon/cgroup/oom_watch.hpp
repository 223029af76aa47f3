// OOM kills counted by the watched cgroup (v2 memory.events, v1 memory.oom_control oom_kill),
// reconciled with the kernel log so that every kill is exactly one system_oom_kill:
//   - each counter increment is one kill; a kernel report of a kill in this cgroup supplies the
//     details (victim "kernel_report"), and one that kmsg missed (rate limit, overrun) is still
//     reported from the counter with the victim inferred from the victim table;
//   - inside a container, kernel reports of kills in other cgroups are dropped.
// Wake-ups: v2 inotify on memory.events; v1 the cgroup.event_control eventfd where writable,
// else a 1 s read only while the counter is the only OOM source (no kernel log).
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <optional>
#include <string>

#include "cgroup/file_watch.hpp"
#include "cgroup/memory_files.hpp"
#include "cgroup/victim_table.hpp"
#include "event_loop.hpp"
#include "faultline/event.hpp"
#include "faultline/log.hpp"
#include "faultline/unique_fd.hpp"
#include "oom/correlator.hpp"

namespace faultline::kmsgmon {

// True when a kernel-reported kill happened in the cgroup at host_path (or below it).
bool kill_in_cgroup(const OomKill& kill, const std::string& host_path);

class OomWatch {
  public:
    using Emit = std::function<void(faultline::Event)>;
    struct Options {
        bool kmsg_available = false;    // the kernel log is read too (details, and no 1 s poll)
        bool own_pid_namespace = true;  // kernel pids are ours (else translate via the table)
        std::string proc_root = "/proc";
        std::string boot_id;
        bool own_refresh = false;  // no memory sampler calls on_sample(): refresh every 5 s
    };
    OomWatch(EventLoop& loop, CgroupMemory memory, Options opt, faultline::Source source, Emit emit,
             faultline::LogFn log);
    ~OomWatch();

    // Reads the counter's baseline and arms the wake-up. Returns false with error when the
    // counter is unreadable. how() then says how it is watched.
    bool start(std::string& error);
    const std::string& how() const { return how_; }

    // A kill from the kernel log: reported (with this cgroup's fields) when it is this
    // cgroup's, dropped otherwise.
    void on_kernel_kill(const OomKill& kill);
    // At every memory sample: refresh the victim table and look at the counter.
    void on_sample();

    struct Stats {
        uint64_t kernel_reports = 0, counter_only = 0, foreign_dropped = 0, wakeups = 0;
    };
    const Stats& stats() const { return stats_; }

  private:
    void check_counter();
    void flush_pending();
    void arm_v1_eventfd_or_poll();
    void arm_poll();
    void arm_refresh();
    void note_vanished();
    std::optional<TableEntry> find_victim(const std::string& comm);
    std::optional<int64_t> dying_pid(const OomKilled& k) const;

    EventLoop& loop_;
    CgroupMemory memory_;
    Options opt_;
    faultline::Source source_;
    Emit emit_;
    faultline::LogFn log_;
    VictimTable table_;
    struct Gone {
        TableEntry entry;
        EventLoop::Clock::time_point at;
        bool used = false;
    };
    std::deque<Gone> recent_;         // processes that vanished in the last seconds
    FileWatch file_watch_;            // v2: inotify on memory.events
    faultline::UniqueFd wake_fd_;     // v1: the eventfd
    faultline::UniqueFd control_fd_;  // v1: the oom_control fd the eventfd is bound to
    int watch_ = -1, poll_timer_ = 0, grace_timer_ = 0, refresh_timer_ = 0, recheck_timer_ = 0;
    EventLoop::Clock::time_point last_check_{}, window_start_{};  // victims vanish after this
    int64_t count_ = 0;                                           // counter value last seen
    int64_t pending_ = 0;  // increments waiting for a kernel report
    int64_t credit_ = 0;   // kernel reports that came before their increment was seen
    std::string how_;
    Stats stats_;
};

}  // namespace faultline::kmsgmon
