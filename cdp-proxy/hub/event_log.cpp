#include "hub/event_log.hpp"

#include <fmt/format.h>

#include <thread>

#include "faultline/clock.hpp"
#include "faultline/event_decode.hpp"
#include "hub/drop_report.hpp"
#include "hub/schema_check.hpp"
#include "hub/store/journal_line.hpp"

namespace faultline::hub {

EventLog::EventLog(EventLogOptions opts, Source source, Metrics& metrics)
    : opts_(std::move(opts)),
      source_(std::move(source)),
      metrics_(metrics),
      dedup_(opts_.dedup_window),
      control_excluded_(opts_.excluded_methods) {}

void EventLog::log(const std::string& msg) const {
    if (opts_.log) opts_.log(msg);
}

bool EventLog::open(std::string& error) {
    JournalRecovery rec;
    if (!opts_.data_dir.empty()) {
        JournalOptions jo;
        jo.dir = opts_.data_dir;
        jo.commit_interval = std::chrono::milliseconds(opts_.journal_commit_ms);
        jo.segment_bytes = opts_.segment_bytes;
        jo.retention_bytes = opts_.retention_bytes;
        jo.seq_block = opts_.seq_block;
        jo.max_queued_bytes = opts_.max_queued_bytes;
        jo.log = opts_.log;
        journal_ = std::make_unique<Journal>(std::move(jo));
        if (!journal_->open(opts_.ring_capacity, rec, error)) {
            error = fmt::format("journal in '{}': {}", opts_.data_dir, error);
            return false;
        }
        // The writer reserves the first block of seqs at once; wait for it (briefly) so the
        // first producers are not refused. A disk that cannot take it leaves ingest at 503.
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
        while (journal_->reserved_seq() < rec.next_seq && journal_->writable() &&
               std::chrono::steady_clock::now() < until)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    restore(rec);
    return true;
}

// Refills the ring with the journal's newest contiguous records so readers can resume from
// before the restart (only when seq continues right after them: after a crash the unused
// rest of the reserved block is skipped and readers catch up from the journal); their ids go
// back into the idempotency window either way.
void EventLog::restore(const JournalRecovery& rec) {
    const auto& tail = rec.tail;
    size_t first = tail.size();
    uint64_t expect = rec.last_seq;
    while (first > 0 && journal_line_seq(tail[first - 1]) == expect) --first, --expect;
    const bool contiguous = rec.next_seq == rec.last_seq + 1;
    ring_ =
        std::make_unique<RecordRing>(opts_.ring_capacity, contiguous ? expect + 1 : rec.next_seq);
    EventDecoder decoder;
    for (size_t i = 0; i < tail.size(); ++i) {
        std::string envelope = tail[i];
        const uint64_t recorded_ns = take_recorded_ns(envelope);
        Event e;
        DecodeError err;
        const bool ok = decoder.decode(envelope, e, err);
        if (ok && !e.id.empty()) dedup_.insert(e.id, e.seq);
        if (!contiguous || i < first) continue;
        ring_->publish([&](uint64_t seq) {
            return std::make_shared<const Record>(
                Record{seq, ok ? e.type : "", e.category, std::move(envelope), recorded_ns});
        });
    }
    if (rec.last_seq || rec.next_seq > 1)
        log(fmt::format("journal holds events up to seq {} ({} of them in the ring); next seq {}",
                        rec.last_seq, contiguous ? tail.size() - first : 0, rec.next_seq));
}

void EventLog::close() {
    {
        std::lock_guard lock(mu_);
        if (closed_) return;
        closed_ = true;
    }
    if (journal_) journal_->close();
    flush_note();  // e.g. a schema violation noted by the last session_ended
}

void EventLog::close_ring() {
    if (ring_) ring_->close();
}

uint64_t EventLog::publish(Event e) {
    if (!find_event_spec(e.type)) return 0;
    uint64_t seq = 0;
    {
        std::lock_guard lock(mu_);
        if (closed_ || !ring_) return 0;
        if (!e.id.empty() && dedup_.contains(e.id)) return 0;
        seq = accept_locked(e, /*droppable=*/true);
    }
    flush_note();
    return seq;
}

// Logs the line record_locked left, outside mu_ (a slow stderr must not hold up publishers).
void EventLog::flush_note() {
    std::string note;
    {
        std::lock_guard lock(mu_);
        note.swap(note_);
    }
    if (!note.empty()) log(note);
}

IngestResult EventLog::ingest(std::vector<Event>& events) {
    IngestResult r;
    {
        std::lock_guard lock(mu_);
        if (closed_ || !ring_) {
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
            if (auto drop = drop_report(e)) metrics_.dropped("outbox_full", drop->count);
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
bool EventLog::can_store_locked(size_t events, std::string& why) const {
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
uint64_t EventLog::accept_locked(Event& e, bool droppable) {
    if (e.ts.empty()) e.ts = now_rfc3339();
    if (e.category.empty()) e.category = std::string(find_event_spec(e.type)->category);
    const CaptureDecision d = capture_.decide(e.category);
    metrics_.ingested(e.type, e.category, d.record);
    uint64_t seq = 0;
    if (d.record) {
        if (d.session_id) e.capture_session_id = d.session_id;
        // The two event types the link reads are decoded once, here; others are not parsed.
        std::optional<LinkFields> link = read_link_fields(e);
        if (link) oom_link_.annotate(e, *link, wall_now_ms());
        seq = record_locked(e, droppable);
        if (link && seq) oom_link_.remember(e.type, *link, seq, wall_now_ms());
    } else if (droppable) {
        check_schema_locked(e.type, 0, encode_event(e));  // not recorded, still held to it
    }
    if (!e.id.empty() && (seq || !d.record)) dedup_.insert(e.id, seq);
    return seq;
}

uint64_t EventLog::record_locked(Event& e, bool droppable) {
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
void EventLog::check_schema_locked(std::string_view type, uint64_t seq, std::string_view json) {
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
uint64_t EventLog::emit_locked(std::string_view type, std::string data, std::string session_id) {
    Event e = make_event(std::string(type), std::move(data), source_);
    e.capture_session_id = std::move(session_id);
    metrics_.ingested(e.type, e.category, true);
    return record_locked(e, /*droppable=*/true);
}

HealthSnapshot EventLog::health() {
    flush_note();
    HealthSnapshot h;
    h.last_seq = last_seq();
    h.ring_events = ring_ ? ring_->size() : 0;
    h.journal_enabled = journal_ != nullptr;
    if (journal_) {
        h.journal_writable = journal_->writable();
        if (!h.journal_writable) h.journal_error = journal_->error();
        h.journal_accepting = journal_->accepting(h.journal_behind);
        h.journal = journal_->stats();
    }
    std::lock_guard lock(mu_);
    h.unsequenced_run = unsequenced_run_;
    h.capture_active = capture_.active() != nullptr;
    return h;
}

uint64_t EventLog::last_seq() const {
    return ring_ ? ring_->last_seq() : 0;
}

uint64_t EventLog::durable_seq() const {
    return journal_ ? journal_->durable_seq() : ring_->last_seq();
}

bool EventLog::wait_durable(uint64_t after, std::chrono::milliseconds timeout) const {
    if (journal_) return journal_->wait_durable(after, timeout);
    return ring_->wait_after(after, timeout);
}

std::unique_ptr<StreamReader> EventLog::open_reader(StreamFilter filter, uint64_t after,
                                                    Metrics& metrics) const {
    return std::make_unique<StreamReader>(*ring_, journal_.get(), metrics, source_,
                                          std::move(filter), after);
}

}  // namespace faultline::hub
