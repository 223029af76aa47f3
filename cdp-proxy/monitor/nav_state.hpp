// The navigation context of one page target and the computed events of its current navigation
// (network_idle, page_layout_settled, page_navigation_settled). Pure: the caller passes the
// time (milliseconds on a steady clock) and asks which computed events are due, so tests drive
// it with a fake clock.
//   network_idle            500 ms with nothing in flight (once per navigation).
//   page_layout_settled     1 s without a layout shift after load (once per navigation).
//   page_navigation_settled after DOMContentLoaded, layout settled and network quiet for 500 ms,
//                           where a request open over 10 s no longer counts. A hung
//                           subresource that keeps load from firing holds it back at most 10 s
//                           after DOMContentLoaded: then it needs only 1 s without a layout
//                           shift and the quiet network. It says which conditions were met
//                           and why it fired.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace faultline::monitor {

struct NavContext {
    std::string session_id, target_id, target_type, frame_id, loader_id, url;
    int64_t nav_seq = 0;
};

struct Computed {
    enum class Kind { network_idle, layout_settled, navigation_settled } kind;
    // navigation_settled: the conditions as they were when it fired.
    bool dom_content_loaded = false, load = false, layout_settled = false, network_idle = false;
    int64_t requests_ignored = 0;  // long requests that did not hold it
    // all_conditions | long_requests_ignored (loaded, but requests open over 10 s remain) |
    // load_timeout (no load event within 10 s of DOMContentLoaded)
    const char* reason = "";
};

struct NavTimings {
    int64_t network_idle_ms = 500;
    int64_t layout_settled_ms = 1000;
    int64_t request_timeout_ms = 10000;
};

class NavState {
  public:
    explicit NavState(NavContext ctx, NavTimings t = {}) : ctx_(std::move(ctx)), t_(t) {}

    const NavContext& context() const { return ctx_; }

    // A top-level navigation: new nav_seq, every timer and in-flight request forgotten.
    void navigated(std::string frame_id, std::string loader_id, std::string url, int64_t now);
    // The document a target already shows when the monitor attaches: counts as navigation 1
    // (no computed events, unless its DOMContentLoaded is still to come). No effect once a
    // navigation was seen.
    void adopt(std::string frame_id, std::string loader_id, std::string url);
    void dom_content_loaded(int64_t now);
    void loaded(int64_t now);
    void layout_shift(int64_t now);
    // Requests of this navigation (a redirect hop reuses the id and is not a new request).
    void request_started(const std::string& request_id, int64_t now);
    void request_finished(const std::string& request_id, int64_t now);

    // The computed events due at now, in the order they happened; each fires once.
    std::vector<Computed> poll(int64_t now);
    // The next time after now when poll has something to do (nullopt: nothing pending).
    std::optional<int64_t> next_deadline(int64_t now) const;

    size_t in_flight() const { return in_flight_.size(); }

  private:
    size_t counted_in_flight(int64_t now) const;
    int64_t quiet_since(int64_t now) const;
    bool network_quiet(int64_t now) const;
    bool settled_without_load(int64_t now) const;
    Computed settled_event() const;

    NavContext ctx_;
    NavTimings t_;
    std::unordered_map<std::string, int64_t> in_flight_;  // request id -> start
    int64_t last_network_change_ = 0;
    bool navigating_ = false;  // a top-level navigation has happened
    bool dcl_ = false, loaded_ = false, layout_settled_ = false;
    bool idle_fired_ = false, settled_fired_ = false;
    int64_t layout_due_ = 0;  // 0 = not armed
    int64_t dcl_at_ = 0;
    int64_t last_shift_ = 0;  // the last layout shift of this navigation, before load too
};

}  // namespace faultline::monitor
