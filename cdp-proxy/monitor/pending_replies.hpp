// The monitor's commands waiting for Chromium's reply, each with a deadline. A reply that never
// comes (a lost message, a hung renderer) would otherwise hold its state forever, such as the
// one screenshot allowed in flight: expire() hands back the late ones so their callbacks run
// with a failure. Pure: the caller passes the time (steady-clock milliseconds).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace faultline::monitor {

template <class Reply>
class PendingReplies {
  public:
    explicit PendingReplies(int64_t timeout_ms) : timeout_ms_(timeout_ms) {}

    // tag names what the command belongs to (the monitor: its CDP session id), for forget().
    void add(int64_t id, Reply reply, int64_t now_ms, std::string tag = {}) {
        pending_.emplace(id, Entry{std::move(reply), now_ms + timeout_ms_, std::move(tag)});
    }

    // Drops, without running them, the replies whose tag matches (their answer never comes).
    template <class TagPred>
    void forget_if(TagPred matches) {
        std::erase_if(pending_, [&](const auto& kv) { return matches(kv.second.tag); });
    }

    // The reply waiting for id, removed; nullopt when none waits (late, or never asked).
    std::optional<Reply> take(int64_t id) {
        auto it = pending_.find(id);
        if (it == pending_.end()) return std::nullopt;
        Reply r = std::move(it->second.reply);
        pending_.erase(it);
        return r;
    }

    // Removes and returns the replies whose deadline has passed.
    std::vector<Reply> expire(int64_t now_ms) {
        std::vector<Reply> out;
        std::erase_if(pending_, [&](auto& kv) {
            if (kv.second.due_ms > now_ms) return false;
            out.push_back(std::move(kv.second.reply));
            return true;
        });
        return out;
    }

    std::optional<int64_t> next_deadline() const {
        std::optional<int64_t> d;
        for (const auto& [id, e] : pending_) d = d ? std::min(*d, e.due_ms) : e.due_ms;
        return d;
    }

    size_t size() const { return pending_.size(); }

  private:
    struct Entry {
        Reply reply;
        int64_t due_ms;
        std::string tag;
    };
    int64_t timeout_ms_;
    std::unordered_map<int64_t, Entry> pending_;
};

}  // namespace faultline::monitor
