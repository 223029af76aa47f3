// The event log's capture sessions: start, update and end, and the one place their events
// (capture_session_started, session_ended) are emitted.
#include <fmt/format.h>

#include "faultline/clock.hpp"
#include "hub/event_log.hpp"

namespace faultline::hub {

bool EventLog::start_capture_locked(std::vector<std::string> categories, CaptureSession& s,
                                    uint64_t& seq) {
    if (!capture_.start(std::move(categories), s)) return false;
    seq = emit_locked(
        "capture_session_started",
        JsonObject().add("capture_session_id", s.id).add("categories", s.categories).finish(),
        s.id);
    return true;
}

std::optional<EndedCapture> EventLog::end_capture_locked() {
    std::optional<CaptureSession> s = capture_.end();
    if (!s) return std::nullopt;
    const int64_t duration = std::max<int64_t>(0, wall_now_ms() - s->started_ms);
    const uint64_t seq = emit_locked("session_ended",
                                     JsonObject()
                                         .add("capture_session_id", s->id)
                                         .add("duration_ms", duration)
                                         .add("events_captured", s->events_captured)
                                         .finish(),
                                     s->id);
    return EndedCapture{s->id, s->events_captured, seq};
}

bool EventLog::start_capture(std::vector<std::string> categories, CaptureSession& started,
                             uint64_t& seq, std::string& active_id) {
    drain_producers();
    bool ok = false;
    {
        std::lock_guard lock(mu_);
        ok = ring_ && start_capture_locked(std::move(categories), started, seq);
        if (!ok && capture_.active()) active_id = capture_.active()->id;
    }
    flush_note();
    return ok;
}

std::optional<EndedCapture> EventLog::end_capture() {
    drain_producers();
    std::optional<EndedCapture> ended;
    {
        std::lock_guard lock(mu_);
        if (ring_) ended = end_capture_locked();
    }
    flush_note();
    return ended;
}

std::optional<CaptureSession> EventLog::capture() const {
    std::lock_guard lock(mu_);
    if (const CaptureSession* s = capture_.active()) return *s;
    return std::nullopt;
}

CaptureView EventLog::capture_view_locked() const {
    CaptureView v;
    if (const CaptureSession* s = capture_.active()) v.session = *s;
    v.last_seq = ring_ ? ring_->last_seq() : 0;
    v.excluded_methods = control_excluded_;
    return v;
}

CaptureView EventLog::capture_view() const {
    std::lock_guard lock(mu_);
    return capture_view_locked();
}

CaptureChange EventLog::configure_capture(
    bool require_active,
    const std::function<std::optional<std::vector<std::string>>(const CaptureSession*)>& categories,
    const std::optional<std::vector<std::string>>& excluded, CaptureView& view) {
    drain_producers();
    CaptureChange change = CaptureChange::none;
    {
        std::lock_guard lock(mu_);
        const CaptureSession* active = capture_.active();
        if (require_active && !active) return CaptureChange::not_active;
        std::optional<std::vector<std::string>> cats = categories(active);
        if (cats && ring_) {
            if (excluded) {  // control.cdp.excluded_methods (issue 24)
                control_excluded_ = *excluded;
                if (control_observer_) control_observer_(control_excluded_);
            }
            if (cats->empty()) {
                end_capture_locked();  // nothing left to capture: the session ends
                change = CaptureChange::ended;
            } else if (active) {
                capture_.update(std::move(*cats));
                change = CaptureChange::updated;
            } else {
                CaptureSession s;
                uint64_t seq = 0;
                start_capture_locked(std::move(*cats), s, seq);
                change = CaptureChange::started;
            }
        }
        view = capture_view_locked();
    }
    flush_note();
    return change;
}

void EventLog::before_capture_change(std::function<void()> drain) {
    std::lock_guard lock(mu_);
    drain_ = std::move(drain);
}

void EventLog::drain_producers() {
    std::function<void()> drain;
    {
        std::lock_guard lock(mu_);
        drain = drain_;
    }
    if (drain) drain();
}

void EventLog::watch_capture(CaptureObserver observer) {
    std::lock_guard lock(mu_);
    capture_.set_observer(std::move(observer));
}

void EventLog::watch_control(std::function<void(const std::vector<std::string>&)> observer) {
    std::lock_guard lock(mu_);
    control_observer_ = std::move(observer);
    if (control_observer_) control_observer_(control_excluded_);
}

}  // namespace faultline::hub
