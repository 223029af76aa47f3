// The hub's one publish path: idempotency, capture rules, seq, ring and the journal's queue,
// decided together under one short lock so seq order, journal order and dedup agree. Nothing
// here touches the disk: the journal's writer thread stores what was queued.
#include "faultline/clock.hpp"
#include "hub/http/ingest.hpp"
#include "hub/hub.hpp"
#include "hub/schema_check.hpp"

namespace faultline::hub {

uint64_t Hub::publish(Event e) {
    if (!find_event_spec(e.type)) return 0;
    uint64_t seq = 0;
    {
        std::lock_guard lock(mu_);
        if (closed_) return 0;
        if (!e.id.empty() && dedup_.contains(e.id)) return 0;
        seq = accept_locked(e, /*droppable=*/true);
    }
    flush_note();
    return seq;
}

// Logs the line record_locked left, outside mu_ (a slow stderr must not hold up publishers).
void Hub::flush_note() {
    std::string note;
    {
        std::lock_guard lock(mu_);
        note.swap(note_);
    }
    if (!note.empty()) log(note);
}

Hub::IngestResult Hub::ingest(std::vector<Event>& events) {
    IngestResult r;
    {
        std::lock_guard lock(mu_);
        if (closed_) {
            r.refused = "the hub is shutting down";
            return r;
        }
        if (!can_store_locked(events.size(), r.refused)) return r;
        for (auto& e : events) {
            if (auto prior = e.id.empty() ? std::nullopt : dedup_.find(e.id)) {
                // Acknowledged only once the original is durable too.
                ++r.duplicates;
                r.wait_seq = std::max(r.wait_seq, *prior);
                continue;
            }
            ++r.accepted;
            if (e.type == "events_dropped") metrics_.dropped("outbox_full", dropped_count(e));
            const uint64_t seq = accept_locked(e, /*droppable=*/false);
            if (!seq) continue;
            if (!r.first_seq) r.first_seq = seq;
            ++r.recorded;
            r.wait_seq = seq;
        }
    }
    metrics_.duplicates(r.duplicates);
    flush_note();
    if (journal_ && r.wait_seq) {
        // An acknowledgement means stored: answer once the batch is durable (group commit).
        const auto deadline =
            std::chrono::steady_clock::now() + std::chrono::milliseconds(opts_.ack_timeout_ms);
        switch (journal_->wait_durable(r.wait_seq, deadline)) {
            case Durability::durable:
                break;
            case Durability::failed:
                r.refused = "the journal cannot store events: " + journal_->error();
                break;
            case Durability::timed_out:
                r.refused = fmt::format(
                    "the journal did not store the batch within {} ms (slow disk); retry with "
                    "the same ids",
                    opts_.ack_timeout_ms);
                break;
        }
    }
    return r;
}

// A producer's batch is taken only when it can be stored: the journal is writable and enough
// seqs are reserved for every event of it. Otherwise why says what to tell the producer.
bool Hub::can_store_locked(size_t events, std::string& why) const {
    if (!journal_) return true;
    if (!journal_->accepting(why)) return false;
    if (ring_->last_seq() + events > journal_->reserved_seq()) {
        const std::string cause = journal_->error();
        why = cause.empty() ? "the seq reservation is being renewed; retry"
                            : "no seqs reserved: the journal cannot persist its seq high-water "
                              "mark (" +
                                  cause + ")";
        return false;
    }
    return true;
}

// Returns the seq, or 0 when the event is not recorded (outside a capture, or no seq left).
uint64_t Hub::accept_locked(Event& e, bool droppable) {
    if (e.ts.empty()) e.ts = now_rfc3339();
    if (e.category.empty()) e.category = std::string(find_event_spec(e.type)->category);
    const CaptureDecision d = capture_.decide(e.category);
    metrics_.ingested(e.type, e.category, d.record);
    uint64_t seq = 0;
    if (d.record) {
        if (d.session_id) e.capture_session_id = d.session_id;
        oom_link_.annotate(e, wall_now_ms());
        seq = record_locked(e, droppable);
        if (seq) oom_link_.remember(e, seq, wall_now_ms());
    } else if (droppable) {
        check_schema_locked(e.type, 0, encode_event(e));  // not recorded, still held to it
    }
    if (!e.id.empty() && (seq || !d.record)) dedup_.insert(e.id, seq);
    return seq;
}

uint64_t Hub::record_locked(Event& e, bool droppable) {
    if (journal_ && ring_->last_seq() >= journal_->reserved_seq()) {
        // Handing out an unreserved seq could reuse it after a crash: not recorded.
        metrics_.unsequenced();
        if (unsequenced_run_++ == 0)
            note_ = fmt::format(
                "in-process events are dropped: no reserved seq left, the journal cannot "
                "persist its seq high-water mark ({}); never reusing a seq wins",
                journal_->error());
        return 0;
    }
    if (unsequenced_run_) {
        note_ = fmt::format("in-process events are recorded again ({} dropped without a seq)",
                            unsequenced_run_);
        unsequenced_run_ = 0;
    }
    RecordPtr rec;
    const uint64_t seq = ring_->publish([&](uint64_t s) {
        e.seq = s;
        rec = std::make_shared<const Record>(
            Record{s, e.type, e.category, encode_event(e), wall_now_ns()});
        return rec;
    });
    // droppable = in-process (ingest decoded its events already): held to the same schema.
    if (droppable && rec) check_schema_locked(rec->type, rec->seq, rec->json);
    if (journal_) journal_->append(std::move(rec), droppable);
    return seq;
}

// A violation is counted and logged, and the event is still kept: a failure report with a bad
// field beats none. Tests fail on the counter (faultline_hub_schema_violations_total).
void Hub::check_schema_locked(std::string_view type, uint64_t seq, std::string_view json) {
    std::string why = schema_violation(json);
    if (why.empty()) return;
    metrics_.schema_violation();
    if (!note_.empty()) note_.push_back('\n');
    note_ += fmt::format(
        "schema violation: in-process {} event (seq {}) does not match the "
        "schema: {}",
        type, seq, why);
}

// The hub's own events (capture_session_started, session_ended) are always recorded.
uint64_t Hub::emit_locked(std::string_view type, std::string data, std::string session_id) {
    Event e = make_event(std::string(type), std::move(data), source_);
    e.capture_session_id = std::move(session_id);
    metrics_.ingested(e.type, e.category, true);
    return record_locked(e, /*droppable=*/true);
}

bool Hub::start_capture_locked(std::vector<std::string> categories, CaptureSession& s,
                               uint64_t& seq) {
    if (!capture_.start(std::move(categories), s)) return false;
    seq = emit_locked(
        "capture_session_started",
        JsonObject().add("capture_session_id", s.id).add("categories", s.categories).finish(),
        s.id);
    return true;
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
