// The event log: the one owner of the hub's state. Under one short lock it decides dedup, the
// capture rules, the OOM link and seq together, so seq order, journal order and dedup agree;
// it owns the ring (what live readers see) and the journal (what survives a restart). Nothing
// here touches the disk on the publish path (the journal's writer thread stores what was
// queued); ingest waits, after the lock, until its batch is durable. No HTTP here: the routes
// (hub/http/routes) translate requests into these calls, and tests drive it directly.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "faultline/event.hpp"
#include "faultline/log.hpp"
#include "hub/capture.hpp"
#include "hub/metrics.hpp"
#include "hub/oom_link.hpp"
#include "hub/store/dedup_window.hpp"
#include "hub/store/journal.hpp"
#include "hub/store/record.hpp"
#include "hub/stream/query.hpp"
#include "hub/stream/reader.hpp"

namespace faultline::hub {

struct EventLogOptions {
    std::string data_dir;  // journal directory; empty = no journal (ring only)
    uint64_t ring_capacity = 16384;
    uint64_t dedup_window = 65536;
    uint64_t journal_commit_ms = 0;  // group commit window; 0 = right after the previous fsync
    uint64_t ack_timeout_ms = 2000;  // a batch not durable by then is refused (producers retry)
    uint64_t segment_bytes = uint64_t{64} << 20;
    uint64_t retention_bytes = uint64_t{1} << 30;
    uint64_t seq_block = 65536;
    uint64_t max_queued_bytes = uint64_t{64} << 20;
    LogFn log;  // empty = none
    // control.cdp.excluded_methods until a PUT/PATCH sets it (the hub passes the default).
    std::vector<std::string> excluded_methods;
};

// What ingest did with a producer's batch.
struct IngestResult {
    uint64_t accepted = 0, duplicates = 0, recorded = 0, first_seq = 0;
    uint64_t wait_seq = 0;  // the batch is stored once this seq is durable
    std::string refused;    // non-empty: not (known to be) stored; the producer keeps it
};

// The capture session and control settings as one consistent view (GET/PUT/PATCH /telemetry).
struct CaptureView {
    std::optional<CaptureSession> session;
    uint64_t last_seq = 0;
    std::vector<std::string> excluded_methods;  // control.cdp.excluded_methods (issue 24)
};

enum class CaptureChange { none, started, updated, ended, not_active };

// A capture session that ended: its id, its final count, and the seq of its session_ended.
struct EndedCapture {
    std::string id;
    uint64_t events_captured = 0;
    uint64_t seq = 0;
};

// The state /healthz and /metrics report, sampled at once.
struct HealthSnapshot {
    uint64_t last_seq = 0, ring_events = 0;
    bool journal_enabled = false;
    bool journal_writable = true;
    std::string journal_error;  // why it is not writable
    bool journal_accepting = true;
    std::string journal_behind;    // why it is not accepting (queue over its limit)
    uint64_t unsequenced_run = 0;  // in-process events dropped since the last recorded one
    bool capture_active = false;
    JournalStats journal;
};

class EventLog {
  public:
    EventLog(EventLogOptions opts, Source source, Metrics& metrics);
    EventLog(const EventLog&) = delete;
    EventLog& operator=(const EventLog&) = delete;

    // Opens the journal (when a data dir is set) and restores ring, next seq and the
    // idempotency window from it. Returns false with error when the journal cannot be opened.
    bool open(std::string& error);
    // Records nothing more and closes the journal (flushing what was queued). Idempotent.
    void close();
    // Wakes readers waiting on the ring for good (after close and after the sinks stopped).
    void close_ring();

    // In-process producers; never waits on the disk. Stamps ts when empty, fills the category,
    // applies the capture rules, the OOM link and the idempotency window (when e.id is set),
    // assigns seq and queues it for the journal. Returns the seq, or 0 when not recorded
    // (outside a capture, duplicate id, unknown type, closed, or no reserved seq left).
    uint64_t publish(Event e);
    // A producer's decoded batch: recorded together, then waited on until durable (an
    // acknowledgement means stored); refused (nothing recorded) when it cannot be stored.
    IngestResult ingest(std::vector<Event>& events);

    // Capture sessions; each change emits its own event here and nowhere else
    // (capture_session_started, session_ended). start fails (false) when one is active, with
    // active_id naming it.
    bool start_capture(std::vector<std::string> categories, CaptureSession& started, uint64_t& seq,
                       std::string& active_id);
    std::optional<EndedCapture> end_capture();
    std::optional<CaptureSession> capture() const;
    // PUT/PATCH /telemetry in one step: with require_active and no session, not_active.
    // categories(active session or null) gives the new set (nullopt = unchanged); an empty set
    // ends the session, a set with none active starts one. excluded replaces the control
    // setting (its observer is told). view is the state afterwards.
    CaptureChange configure_capture(
        bool require_active,
        const std::function<std::optional<std::vector<std::string>>(const CaptureSession*)>&
            categories,
        const std::optional<std::vector<std::string>>& excluded, CaptureView& view);
    CaptureView capture_view() const;
    // Told the captured categories now and after every change (see CaptureObserver).
    void watch_capture(CaptureObserver observer);
    // Told control.cdp.excluded_methods now and after every change; runs under the lock.
    void watch_control(std::function<void(const std::vector<std::string>&)> observer);
    // Called (without the lock) before every capture start, change and end: a producer that
    // publishes from a queue drains it there, so that what it observed inside a capture is
    // recorded inside it. drain may publish; empty = none.
    void before_capture_change(std::function<void()> drain);

    HealthSnapshot health();  // logs a pending note first
    uint64_t last_seq() const;

    // What readers need: the ring and the journal (null without a data dir), the newest
    // durable seq and a wait for a newer one, and a reader after a seq.
    const RecordRing& ring() const { return *ring_; }
    Journal* journal() const { return journal_.get(); }
    uint64_t durable_seq() const;
    bool wait_durable(uint64_t after, std::chrono::milliseconds timeout) const;
    std::unique_ptr<StreamReader> open_reader(StreamFilter filter, uint64_t after,
                                              Metrics& metrics) const;
    const Source& source() const { return source_; }

  private:
    void restore(const JournalRecovery& rec);
    void log(const std::string& msg) const;
    void flush_note();
    void drain_producers();  // before_capture_change's function, outside mu_
    bool can_store_locked(size_t events, std::string& why) const;
    uint64_t accept_locked(Event& e, bool droppable);
    uint64_t record_locked(Event& e, bool droppable);
    void check_schema_locked(std::string_view type, uint64_t seq, std::string_view json);
    uint64_t emit_locked(std::string_view type, std::string data, std::string session_id);
    bool start_capture_locked(std::vector<std::string> categories, CaptureSession& s,
                              uint64_t& seq);
    std::optional<EndedCapture> end_capture_locked();
    CaptureView capture_view_locked() const;

    EventLogOptions opts_;
    Source source_;  // of the hub's own events
    Metrics& metrics_;
    std::unique_ptr<Journal> journal_;
    std::unique_ptr<RecordRing> ring_;

    mutable std::mutex mu_;  // dedup, capture, OOM link, seq and journal order: one decision
    DedupWindow dedup_;
    CaptureState capture_;
    std::vector<std::string> control_excluded_;
    std::function<void(const std::vector<std::string>&)> control_observer_;
    std::function<void()> drain_;   // before_capture_change
    OomLink oom_link_;              // page_crashed -> the system_oom_kill that caused it
    bool closed_ = false;           // journal closed: nothing more is recorded
    uint64_t unsequenced_run_ = 0;  // in-process events dropped since the last recorded one
    std::string note_;              // a state change to log once mu_ is released
};

}  // namespace faultline::hub
