#include "monitor/nav_state.hpp"

#include <algorithm>

namespace faultline::monitor {

void NavState::navigated(std::string frame_id, std::string loader_id, std::string url,
                         int64_t now) {
    ctx_.frame_id = std::move(frame_id);
    ctx_.loader_id = std::move(loader_id);
    ctx_.url = std::move(url);
    ++ctx_.nav_seq;
    // Requests of the document being navigated to started before frameNavigated: keep those
    // that are still open, they belong to this navigation.
    last_network_change_ = now;
    navigating_ = true;
    dcl_ = loaded_ = layout_settled_ = idle_fired_ = settled_fired_ = false;
    layout_due_ = dcl_at_ = last_shift_ = 0;
}

void NavState::adopt(std::string frame_id, std::string loader_id, std::string url) {
    if (ctx_.nav_seq != 0) return;
    ctx_.frame_id = std::move(frame_id);
    ctx_.loader_id = std::move(loader_id);
    ctx_.url = std::move(url);
    ctx_.nav_seq = 1;
}

void NavState::dom_content_loaded(int64_t now) {
    if (!navigating_ && ctx_.nav_seq) {  // attached mid-load: the adopted document goes on
        navigating_ = true;
        last_network_change_ = now;
    }
    if (!dcl_) dcl_at_ = now;
    dcl_ = true;
}

void NavState::loaded(int64_t now) {
    loaded_ = true;
    if (!layout_settled_) layout_due_ = now + t_.layout_settled_ms;
}

void NavState::layout_shift(int64_t now) {
    last_shift_ = now;
    if (loaded_ && !layout_settled_) layout_due_ = now + t_.layout_settled_ms;
}

void NavState::request_started(const std::string& request_id, int64_t now) {
    if (in_flight_.emplace(request_id, now).second) last_network_change_ = now;
}

void NavState::request_finished(const std::string& request_id, int64_t now) {
    if (in_flight_.erase(request_id)) last_network_change_ = now;
}

size_t NavState::counted_in_flight(int64_t now) const {
    size_t n = 0;
    for (const auto& [id, start] : in_flight_)
        if (now - start < t_.request_timeout_ms) ++n;
    return n;
}

// Since when the counted in-flight set has been empty (a request stops counting at start+10 s).
int64_t NavState::quiet_since(int64_t now) const {
    int64_t since = last_network_change_;
    for (const auto& [id, start] : in_flight_)
        if (now - start >= t_.request_timeout_ms)
            since = std::max(since, start + t_.request_timeout_ms);
    return since;
}

bool NavState::network_quiet(int64_t now) const {
    return counted_in_flight(now) == 0 && now - quiet_since(now) >= t_.network_idle_ms;
}

// Load never came within 10 s of DOMContentLoaded (a hung subresource holds it): settled once
// the network is quiet (long requests aside) and there was no layout shift for 1 s.
bool NavState::settled_without_load(int64_t now) const {
    return dcl_ && !loaded_ && now - dcl_at_ >= t_.request_timeout_ms && network_quiet(now) &&
           now - last_shift_ >= t_.layout_settled_ms;
}

Computed NavState::settled_event() const {
    Computed c{Computed::Kind::navigation_settled};
    c.dom_content_loaded = dcl_;
    c.load = loaded_;
    c.layout_settled = layout_settled_;
    c.network_idle = in_flight_.empty();
    c.requests_ignored = static_cast<int64_t>(in_flight_.size());
    c.reason = !loaded_         ? "load_timeout"
               : c.network_idle ? "all_conditions"
                                : "long_requests_ignored";
    return c;
}

std::vector<Computed> NavState::poll(int64_t now) {
    std::vector<Computed> out;
    if (!navigating_) return out;
    if (!idle_fired_ && in_flight_.empty() && now - last_network_change_ >= t_.network_idle_ms) {
        idle_fired_ = true;
        out.push_back({Computed::Kind::network_idle});
    }
    if (!layout_settled_ && layout_due_ && now >= layout_due_) {
        layout_settled_ = true;
        out.push_back({Computed::Kind::layout_settled});
    }
    if (!settled_fired_ &&
        ((dcl_ && layout_settled_ && network_quiet(now)) || settled_without_load(now))) {
        settled_fired_ = true;
        out.push_back(settled_event());
    }
    return out;
}

std::optional<int64_t> NavState::next_deadline(int64_t now) const {
    if (!navigating_) return std::nullopt;
    std::optional<int64_t> due;
    auto take = [&](int64_t t) {
        if (t > now) due = due ? std::min(*due, t) : t;
    };
    if (!idle_fired_ && in_flight_.empty()) take(last_network_change_ + t_.network_idle_ms);
    if (!layout_settled_ && layout_due_) take(layout_due_);
    if (!settled_fired_ && dcl_ && (layout_settled_ || !loaded_)) {
        // The next moment the counted set can become empty or the quiet period can end.
        for (const auto& [id, start] : in_flight_) take(start + t_.request_timeout_ms);
        take(last_network_change_ + t_.network_idle_ms);
        for (const auto& [id, start] : in_flight_)
            take(start + t_.request_timeout_ms + t_.network_idle_ms);
        if (!loaded_) {  // the load timeout and the end of the layout quiet
            take(dcl_at_ + t_.request_timeout_ms);
            take(last_shift_ + t_.layout_settled_ms);
        }
    }
    return due;
}

}  // namespace faultline::monitor
