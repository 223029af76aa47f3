#include "cgroup/oom_watch.hpp"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "faultline/json_writer.hpp"
#include "oom/event.hpp"

namespace faultline::kmsgmon {
namespace {

constexpr auto kPollInterval = std::chrono::seconds(1);
// How long an increment waits for the kernel's report of the same kill before it is reported
// from the counter alone (the report is printed right after the counter is raised).
constexpr auto kGraceWithKmsg = std::chrono::milliseconds(1500);
// Without the kernel log: just long enough for the victim to be reaped and leave the table.
constexpr auto kGraceAlone = std::chrono::milliseconds(300);
constexpr auto kRecentHold = std::chrono::seconds(15);
constexpr auto kRefreshInterval = std::chrono::seconds(5);
constexpr auto kRecheck = std::chrono::milliseconds(200);

bool memcg_matches(const std::optional<std::string>& memcg, const std::string& path) {
    if (!memcg) return false;
    if (path == "/") return true;
    return *memcg == path ||
           (memcg->size() > path.size() && memcg->compare(0, path.size(), path) == 0 &&
            (*memcg)[path.size()] == '/');
}

}  // namespace

bool kill_in_cgroup(const OomKill& kill, const std::string& host_path) {
    if (!kill.constraint || host_path.empty()) return false;
    return memcg_matches(kill.constraint->task_memcg, host_path);
}

OomWatch::OomWatch(EventLoop& loop, CgroupMemory memory, Options opt, faultline::Source source,
                   Emit emit, faultline::LogFn log)
    : loop_(loop),
      memory_(std::move(memory)),
      opt_(std::move(opt)),
      source_(std::move(source)),
      emit_(std::move(emit)),
      log_(std::move(log)),
      table_(memory_.info().dir + "/cgroup.procs", opt_.proc_root),
      file_watch_(loop) {}

OomWatch::~OomWatch() {
    if (watch_ >= 0) loop_.unwatch(watch_);
    if (poll_timer_) loop_.cancel_timer(poll_timer_);
    if (grace_timer_) loop_.cancel_timer(grace_timer_);
    if (refresh_timer_) loop_.cancel_timer(refresh_timer_);
    if (recheck_timer_) loop_.cancel_timer(recheck_timer_);
}

void OomWatch::arm_refresh() {
    refresh_timer_ = loop_.add_timer(
        EventLoop::whole_second(EventLoop::Clock::now() + kRefreshInterval), [this] {
            refresh_timer_ = 0;
            on_sample();
            arm_refresh();
        });
}

bool OomWatch::start(std::string& error) {
    const auto count = memory_.oom_kills();
    if (!count) {
        error = memory_.counter_path() + ": no readable oom_kill counter";
        return false;
    }
    count_ = *count;
    last_check_ = EventLoop::Clock::now();
    table_.refresh();
    if (opt_.own_refresh) arm_refresh();
    if (memory_.info().layout == CgroupInfo::Layout::v2) {
        std::string why;
        if (file_watch_.start(
                memory_.counter_path(),
                [this] {
                    ++stats_.wakeups;
                    check_counter();
                },
                why)) {
            how_ = "inotify on memory.events";
            return true;
        }
        log_(why + "; reading the counter at every memory sample");
        how_ = "read at every memory sample (" + why + ")";
        if (!opt_.kmsg_available) arm_poll();
        return true;
    }
    arm_v1_eventfd_or_poll();
    return true;
}

// v1: an eventfd bound to memory.oom_control through cgroup.event_control; container runtimes
// mount cgroupfs read-only, and then the counter is read once a second, but only when nothing
// else reports OOM kills (the kernel log's reports are checked against it anyway).
void OomWatch::arm_v1_eventfd_or_poll() {
    const std::string& dir = memory_.info().dir;
    faultline::UniqueFd efd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    faultline::UniqueFd cfd(::open(memory_.counter_path().c_str(), O_RDONLY | O_CLOEXEC));
    faultline::UniqueFd ctl(::open((dir + "/cgroup.event_control").c_str(), O_WRONLY | O_CLOEXEC));
    std::string why = std::strerror(errno);
    if (efd && cfd && ctl) {
        const std::string line = fmt::format("{} {}", efd.get(), cfd.get());
        if (::write(ctl.get(), line.data(), line.size()) == static_cast<ssize_t>(line.size())) {
            wake_fd_ = std::move(efd);
            control_fd_ = std::move(cfd);
            how_ = "eventfd on memory.oom_control";
            watch_ = loop_.watch(wake_fd_.get(), POLLIN, [this](short) {
                uint64_t n;
                while (::read(wake_fd_.get(), &n, sizeof n) > 0) {
                }
                ++stats_.wakeups;
                check_counter();
                // The eventfd fires when the cgroup enters OOM, before the kill is counted:
                // look again once the killer has chosen.
                if (!recheck_timer_)
                    recheck_timer_ = loop_.add_timer(EventLoop::Clock::now() + kRecheck, [this] {
                        recheck_timer_ = 0;
                        check_counter();
                    });
            });
            return;
        }
        why = std::strerror(errno);
    }
    why = "cgroup.event_control not writable: " + why;
    if (opt_.kmsg_available) {
        how_ = "read at every kernel report and memory sample (" + why + ")";
        return;
    }
    how_ = "read every second (" + why + ")";
    arm_poll();
}

void OomWatch::arm_poll() {
    // Aligned with the memory sampler's timer: both fall due in the same wake-up.
    poll_timer_ =
        loop_.add_timer(EventLoop::whole_second(EventLoop::Clock::now() + kPollInterval), [this] {
            poll_timer_ = 0;
            check_counter();
            arm_poll();
        });
}

void OomWatch::note_vanished() {
    const auto now = EventLoop::Clock::now();
    for (auto& e : table_.refresh()) recent_.push_back({std::move(e), now});
    while (!recent_.empty() && now - recent_.front().at > kRecentHold) recent_.pop_front();
}

std::optional<TableEntry> OomWatch::find_victim(const std::string& comm) {
    note_vanished();
    Gone* best = nullptr;
    for (auto& g : recent_) {
        if (g.used || g.at < window_start_ || (!comm.empty() && g.entry.comm != comm)) continue;
        if (!best || g.entry.anon_rss_kb.value_or(0) > best->entry.anon_rss_kb.value_or(0))
            best = &g;
    }
    if (!best) return std::nullopt;
    best->used = true;
    return best->entry;
}

// The kernel's report can arrive before its victim has exited: the cgroup's process of that
// name, the one whose anonymous memory is closest to what the kernel reported.
std::optional<int64_t> OomWatch::dying_pid(const OomKilled& k) const {
    const TableEntry* best = nullptr;
    const int64_t want = k.anon_rss_kb.value_or(0);
    for (const auto& [pid, e] : table_.entries()) {
        if (e.comm != k.comm) continue;
        if (!best || std::llabs(e.anon_rss_kb.value_or(0) - want) <
                         std::llabs(best->anon_rss_kb.value_or(0) - want))
            best = &e;
    }
    if (!best) return std::nullopt;
    return best->pid;
}

void OomWatch::on_sample() {
    check_counter();
}

void OomWatch::check_counter() {
    const auto now_count = memory_.oom_kills();
    if (!now_count) return;
    const auto previous_check = last_check_;
    last_check_ = EventLoop::Clock::now();
    note_vanished();  // after the read: a victim of a kill counted later vanishes after it
    if (*now_count < count_) count_ = *now_count;  // a new cgroup under the same path
    const int64_t d = *now_count - count_;
    if (d <= 0) return;
    count_ = *now_count;
    // The kill happened after the previous read: its victim vanished after that too.
    if (pending_ == 0) window_start_ = previous_check;
    const int64_t absorbed = std::min(d, credit_);
    credit_ -= absorbed;
    pending_ += d - absorbed;
    if (pending_ > 0 && !grace_timer_)
        grace_timer_ = loop_.add_timer(
            EventLoop::Clock::now() + (opt_.kmsg_available ? kGraceWithKmsg : kGraceAlone), [this] {
                grace_timer_ = 0;
                flush_pending();
            });
}

void OomWatch::on_kernel_kill(const OomKill& kill) {
    const std::string& path = memory_.info().host_path;
    check_counter();
    const bool ours = path.empty() ? pending_ > 0 : kill_in_cgroup(kill, path);
    if (!ours) {
        ++stats_.foreign_dropped;
        return;
    }
    if (pending_ > 0)
        --pending_;
    else
        ++credit_;  // its increment is read later
    ++stats_.kernel_reports;
    const CgroupMemoryState st = memory_.read();
    OomCgroupContext ctx;
    ctx.detected_by = "kmsg";
    ctx.cgroup = path.empty() ? memory_.info().dir : path;
    ctx.limit_kb = st.limit_kb, ctx.usage_kb = st.usage_kb;
    if (!opt_.own_pid_namespace) {
        ctx.translate_pid = true;
        if (auto v = find_victim(kill.killed.comm))
            ctx.pid = v->pid;
        else
            ctx.pid = dying_pid(kill.killed);
    } else {
        // Take it off the table, so that the counter never infers it a second time.
        note_vanished();
        for (auto& g : recent_)
            if (g.entry.pid == kill.killed.pid) g.used = true;
    }
    emit_(system_oom_kill_event(kill, source_, opt_.boot_id, &ctx));
}

void OomWatch::flush_pending() {
    const CgroupMemoryState st = memory_.read();
    const std::string& path = memory_.info().host_path;
    const std::string cgroup = path.empty() ? memory_.info().dir : path;
    for (; pending_ > 0; --pending_) {
        ++stats_.counter_only;
        const auto victim = find_victim("");
        faultline::JsonObject o;
        if (victim) {
            o.add("pid", victim->pid).add("process_name", victim->comm);
            if (victim->anon_rss_kb) o.add("anon_rss_kb", *victim->anon_rss_kb);
        }
        o.add("message",
              victim ? fmt::format("memory cgroup {} counted an OOM kill (oom_kill {}); the "
                                   "process that vanished then was {} ({})",
                                   cgroup, count_, victim->pid, victim->comm)
                     : fmt::format("memory cgroup {} counted an OOM kill (oom_kill {}); the "
                                   "victim is not known",
                                   cgroup, count_));
        o.add("detected_by", "cgroup").add("cgroup", cgroup);
        if (st.limit_kb) o.add("memory_limit_kb", *st.limit_kb);
        if (st.usage_kb) o.add("memory_usage_kb", *st.usage_kb);
        if (victim) o.add("victim", "inferred");
        emit_(faultline::make_event("system_oom_kill", o.finish(), source_));
    }
}

}  // namespace faultline::kmsgmon
