// Page crashes, always on: Target.targetCrashed on the browser connection becomes page_crashed
// with the target's url and title (from target discovery), Chromium's status and error code and
// the renderer's pid where it can be learned. Renderer pids come from SystemInfo.getProcessInfo
// snapshots (taken whenever a page target appears, changes or goes, and at each crash): the
// renderer pid that vanished between the last snapshot and the first one after the crash is the
// one that died. A pid guessed when the page appeared is only a fallback, used when that pid is
// gone too: Chromium hands a new page its spare renderer and starts a new spare, so the pid that
// appeared with a page is often the spare's. A crash is held for a short wait before it is
// published (see hub/oom_link.hpp); its ts is the time Chromium reported it.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace faultline::monitor {

struct TargetInfo {
    std::string id, type, url, title, opener_id;
    int64_t renderer_pid = 0;  // 0 = unknown
};

struct HeldCrash {
    std::string target_id, url, title, status;
    std::string ts;  // RFC 3339 wall-clock time Target.targetCrashed arrived
    int64_t error_code = -1;
    int64_t renderer_pid = 0;
    int64_t guessed_pid = 0;   // the pid attributed when the page appeared (0 = none)
    bool pid_settled = false;  // a snapshot after the crash has decided renderer_pid
    int64_t due_ms = 0;        // steady clock: publish then
};

class CrashTracker {
  public:
    explicit CrashTracker(int64_t hold_ms) : hold_ms_(hold_ms) {}

    // Target discovery (targetCreated / targetInfoChanged / targetDestroyed).
    void target_info(TargetInfo info);
    void target_destroyed(const std::string& id);
    const TargetInfo* target(const std::string& id) const;

    // A SystemInfo.getProcessInfo answer: the renderer pids now. New ones go to the page
    // targets still waiting for a pid (when exactly one is); vanished ones to held crashes:
    // one vanished pid and one crash waiting is that crash's pid; otherwise a crash whose
    // guessed pid vanished gets it, and the others get none.
    void renderer_pids(const std::set<int64_t>& now);
    // A held crash still waits for a snapshot that shows its renderer gone.
    bool pid_pending() const;

    // Target.targetCrashed observed at ts (wall clock): holds a "killed" crash until now +
    // hold (the kernel's OOM kill is a SIGKILL); any other status is due at once.
    void crashed(const std::string& target_id, std::string status, int64_t error_code,
                 std::string ts, int64_t now_ms);

    // Fresher url/title of a held crash (Target.getTargetInfo at the crash).
    void refresh_held(const std::string& target_id, std::string url, std::string title);

    // Crashes whose hold is over (all of them with flush).
    std::vector<HeldCrash> due(int64_t now_ms, bool flush = false);
    std::optional<int64_t> next_deadline() const;

    // The page_crashed data of a crash.
    static std::string data(const HeldCrash& c);

  private:
    int64_t hold_ms_;
    std::unordered_map<std::string, TargetInfo> targets_;
    std::vector<std::string> awaiting_pid_;  // page targets created since the last snapshot
    std::set<int64_t> renderers_;
    std::vector<HeldCrash> held_;
};

}  // namespace faultline::monitor
