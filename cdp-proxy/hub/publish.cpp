// The hub's one publish path: idempotency, capture rules, seq, ring and journal, decided
// together under one lock so seq order, journal order and dedup agree.
#include "faultline/clock.hpp"
#include "hub/http/ingest.hpp"
#include "hub/hub.hpp"

namespace faultline::hub {

uint64_t Hub::publish(Event e) {
    if (!find_event_spec(e.type)) return 0;
    std::lock_guard lock(mu_);
    if (closed_) return 0;
    return accept_locked(e);
}

Hub::IngestResult Hub::ingest(std::vector<Event>& events) {
    IngestResult r;
    std::lock_guard lock(mu_);
    if (closed_) return r;
    for (auto& e : events) {
        if (!e.id.empty() && dedup_.contains(e.id)) {
            ++r.duplicates;
            continue;
        }
        ++r.accepted;
        if (e.type == "events_dropped") metrics_.dropped("outbox_full", dropped_count(e));
        const uint64_t seq = accept_locked(e);
        if (seq && !r.first_seq) r.first_seq = seq;
        if (seq) ++r.recorded;
    }
    metrics_.duplicates(r.duplicates);
    return r;
}

// Returns the seq, or 0 when the event is a duplicate or not recorded outside a capture.
uint64_t Hub::accept_locked(Event& e) {
    if (!e.id.empty() && !dedup_.insert(e.id)) return 0;
    if (e.ts.empty()) e.ts = now_rfc3339();
    if (e.category.empty()) e.category = std::string(find_event_spec(e.type)->category);
    const CaptureDecision d = capture_.decide(e.category);
    metrics_.ingested(e.type, e.category, d.record);
    if (!d.record) return 0;
    if (d.session_id) e.capture_session_id = d.session_id;
    oom_link_.annotate(e, wall_now_ms());
    const uint64_t seq = record_locked(e);
    oom_link_.remember(e, seq, wall_now_ms());
    return seq;
}

uint64_t Hub::record_locked(Event& e) {
    RecordPtr rec;
    const uint64_t seq = ring_->publish([&](uint64_t s) {
        e.seq = s;
        rec = std::make_shared<const Record>(Record{s, e.type, e.category, encode_event(e)});
        return rec;
    });
    if (journal_) journal_->append(seq, rec->json);
    return seq;
}

// The hub's own events (capture_session_started, session_ended) are always recorded.
uint64_t Hub::emit_locked(std::string_view type, std::string data, std::string session_id) {
    Event e = make_event(std::string(type), std::move(data), source_);
    e.capture_session_id = std::move(session_id);
    metrics_.ingested(e.type, e.category, true);
    return record_locked(e);
}

uint64_t Hub::end_capture_locked() {
    std::optional<CaptureSession> s = capture_.end();
    if (!s) return 0;
    const int64_t duration = std::max<int64_t>(0, wall_now_ms() - s->started_ms);
    return emit_locked("session_ended",
                       JsonObject()
                           .add("capture_session_id", s->id)
                           .add("duration_ms", duration)
                           .add("events_captured", s->events_captured)
                           .finish(),
                       s->id);
}

}  // namespace faultline::hub
