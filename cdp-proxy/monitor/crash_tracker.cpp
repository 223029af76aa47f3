#include "monitor/crash_tracker.hpp"

#include <algorithm>

#include "faultline/json_writer.hpp"

namespace faultline::monitor {

void CrashTracker::target_info(TargetInfo info) {
    auto it = targets_.find(info.id);
    if (it == targets_.end()) {
        if (info.type == "page") awaiting_pid_.push_back(info.id);
        targets_.emplace(info.id, std::move(info));
        return;
    }
    const int64_t pid = it->second.renderer_pid;
    it->second = std::move(info);
    it->second.renderer_pid = pid;
}

void CrashTracker::target_destroyed(const std::string& id) {
    targets_.erase(id);
    std::erase(awaiting_pid_, id);
}

const TargetInfo* CrashTracker::target(const std::string& id) const {
    auto it = targets_.find(id);
    return it == targets_.end() ? nullptr : &it->second;
}

void CrashTracker::renderer_pids(const std::set<int64_t>& now) {
    std::vector<int64_t> added, vanished;
    std::set_difference(now.begin(), now.end(), renderers_.begin(), renderers_.end(),
                        std::back_inserter(added));
    std::set_difference(renderers_.begin(), renderers_.end(), now.begin(), now.end(),
                        std::back_inserter(vanished));
    // Only an unambiguous diff is trusted: one new page, one new renderer.
    std::erase_if(awaiting_pid_, [&](const std::string& id) { return !targets_.count(id); });
    if (awaiting_pid_.size() == 1 && added.size() == 1)
        targets_[awaiting_pid_.front()].renderer_pid = added.front();
    if (!added.empty() || awaiting_pid_.size() != 1) awaiting_pid_.clear();
    renderers_ = now;
    if (vanished.empty()) return;  // the dead renderer may not be reaped yet: wait for the next
    std::vector<HeldCrash*> waiting;
    for (auto& c : held_)
        if (!c.pid_settled) waiting.push_back(&c);
    for (HeldCrash* c : waiting) {
        c->pid_settled = true;
        if (waiting.size() == 1 && vanished.size() == 1)
            c->renderer_pid = vanished[0];
        else if (std::find(vanished.begin(), vanished.end(), c->guessed_pid) != vanished.end())
            c->renderer_pid = c->guessed_pid;
    }
}

bool CrashTracker::pid_pending() const {
    return std::any_of(held_.begin(), held_.end(),
                       [](const HeldCrash& c) { return !c.pid_settled; });
}

void CrashTracker::crashed(const std::string& target_id, std::string status, int64_t error_code,
                           std::string ts, int64_t now_ms) {
    HeldCrash c;
    c.target_id = target_id;
    c.status = std::move(status);
    c.ts = std::move(ts);
    c.error_code = error_code;
    // Only a SIGKILLed renderer ("killed") can be the kernel's OOM kill: only it waits for one.
    c.due_ms = now_ms + (c.status == "killed" ? hold_ms_ : 0);
    if (const TargetInfo* t = target(target_id)) {
        c.url = t->url;
        c.title = t->title;
        c.guessed_pid = t->renderer_pid;
    }
    held_.push_back(std::move(c));
}

void CrashTracker::refresh_held(const std::string& target_id, std::string url, std::string title) {
    for (auto& c : held_)
        if (c.target_id == target_id) {
            if (!url.empty()) c.url = url;
            if (!title.empty()) c.title = title;
        }
}

std::vector<HeldCrash> CrashTracker::due(int64_t now_ms, bool flush) {
    std::vector<HeldCrash> out;
    std::erase_if(held_, [&](HeldCrash& c) {
        if (!flush && c.due_ms > now_ms) return false;
        // No snapshot showed the renderer go: the guess holds only if that pid is gone too.
        if (!c.pid_settled && c.guessed_pid && !renderers_.count(c.guessed_pid))
            c.renderer_pid = c.guessed_pid;
        out.push_back(std::move(c));
        return true;
    });
    return out;
}

std::optional<int64_t> CrashTracker::next_deadline() const {
    std::optional<int64_t> d;
    for (const auto& c : held_) d = d ? std::min(*d, c.due_ms) : c.due_ms;
    return d;
}

std::string CrashTracker::data(const HeldCrash& c) {
    JsonObject o;
    o.add("target_id", c.target_id).add("url", c.url).add("title", c.title).add("status", c.status);
    if (c.error_code >= 0) o.add("error_code", c.error_code);
    if (c.renderer_pid > 0) o.add("renderer_pid", c.renderer_pid);
    return o.finish();
}

}  // namespace faultline::monitor
