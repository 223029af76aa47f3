// Page crashes, always on: Target.targetCrashed on the browser connection becomes page_crashed
// with the target's url and title (from target discovery), Chromium's status and error code and
// the renderer's pid where it can be learned. Renderer pids come from SystemInfo.getProcessInfo:
// a snapshot after each page target appears attributes new renderer pids to it, and the
// renderer pid that vanished between the last snapshot and one taken at the crash is the one
// that died. A crash is held for a short wait before it is published (see hub/oom_link.hpp).
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
    int64_t error_code = -1;
    int64_t renderer_pid = 0;
    int64_t due_ms = 0;  // steady clock: publish then
};

class CrashTracker {
  public:
    explicit CrashTracker(int64_t hold_ms) : hold_ms_(hold_ms) {}

    // Target discovery (targetCreated / targetInfoChanged / targetDestroyed).
    void target_info(TargetInfo info);
    void target_destroyed(const std::string& id);
    const TargetInfo* target(const std::string& id) const;

    // A SystemInfo.getProcessInfo answer: the renderer pids now. New ones go to the page
    // targets still waiting for a pid (when exactly one is); vanished ones to held crashes.
    void renderer_pids(const std::set<int64_t>& now);

    // Target.targetCrashed: holds a crash until now + hold.
    void crashed(const std::string& target_id, std::string status, int64_t error_code,
                 int64_t now_ms);

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
