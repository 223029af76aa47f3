// The telemetry hub: the one global event stream of the VM, and the telemetry API on its own
// listener:
//   POST /telemetry/events      ingest (JSON or NDJSON)
//   GET  /telemetry/stream      Server-Sent Events (resume, filters)
//   GET  /telemetry/events      the same events as JSON pages
//   POST/DELETE/GET /telemetry/capture, GET/PUT/PATCH /telemetry   capture sessions
//   POST/GET /telemetry/samples   memory samples (http/samples_routes; not events)
//   GET  /healthz, GET /metrics
// In-process producers (the CDP proxy and monitor) call publish() directly.
// Who owns what:
//   Hub (this class; hub.cpp, publish.cpp, sink_lifecycle.cpp, http/routes.cpp,
//     http/telemetry_config.cpp): the publish lock and what it guards (dedup window, capture
//     session, OOM link, unsequenced count), the ring, the journal, the sinks, and the start/stop
//     order. publish.cpp holds the one publish path, ingest (which returns only once the batch
//     is durable) and the capture session's start/end events.
//   store/: the journal (segments, group commit, seq.reserve, never-assigned seqs), its lines.
//   stream/: one reader's walk over ring and journal, queries, and DurableStream, the only view
//     of the hub a sink has.
//   http/: the listener, the handlers' body and query parsing, the SSE handler (SseStreams,
//     owned here, reading through stream/).
//   sinks/: the checkpointed readers and their destinations; they see the hub as a
//     sinks::SinkRegistry (to be added) and a DurableStream (to read).
#pragma once

#include <httplib.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "faultline/event.hpp"
#include "faultline/log.hpp"
#include "hub/capture.hpp"
#include "hub/http/api_server.hpp"
#include "hub/http/control_config.hpp"
#include "hub/http/sse_stream.hpp"
#include "hub/metrics.hpp"
#include "hub/oom_link.hpp"
#include "hub/samples/sample_store.hpp"
#include "hub/sinks/sink.hpp"
#include "hub/sinks/sink_registry.hpp"
#include "hub/store/dedup_window.hpp"
#include "hub/store/journal.hpp"
#include "hub/store/record.hpp"
#include "hub/stream/durable_stream.hpp"

namespace faultline::hub {

struct HubOptions {
    std::string listen = "127.0.0.1:10001";     // host:port or [v6]:port; port 0 = any free port
    std::string data_dir = "./faultline-data";  // journal directory; empty = no journal
    uint64_t max_body = 1 << 20;
    std::string token;  // lets non-loopback producers in with "Authorization: Bearer <token>"
    uint64_t ring_capacity = 16384;
    uint64_t dedup_window = 65536;
    uint64_t max_subscribers = 64;
    uint64_t api_workers = 512;         // connections served at once beyond the stream readers
    uint64_t read_timeout_seconds = 3;  // a client silent this long mid-request is dropped
    uint64_t head_timeout_seconds = 3;  // a request head not complete this long after its start
    double heartbeat_seconds = 15;
    uint64_t journal_commit_ms = 0;  // group commit window; 0 = right after the previous fsync
    uint64_t ack_timeout_ms = 2000;  // a batch not durable by then gets 503 (producers retry)
    uint64_t segment_bytes = uint64_t{64} << 20;
    uint64_t retention_bytes = uint64_t{1} << 30;
    uint64_t write_timeout_seconds = 3;  // a stream reader that accepts nothing this long is cut
    uint64_t seq_block = 65536;          // seqs reserved per seq.reserve write (tests: smaller)
    uint64_t max_queued_bytes = uint64_t{64} << 20;  // journal queue (tests: smaller)
    std::string host;                  // source.host of the hub's own events; empty = hostname
    LogFn log;                         // the hub's log lines (main passes stderr_log); empty = none
    bool cdp_unauthenticated = false;  // no --token: /healthz and /metrics say so (issue 24)
};

// Sinks see the hub only as a SinkRegistry (where flags add them) and a DurableStream (what
// they read).
class Hub : public DurableStream, public sinks::SinkRegistry {
  public:
    explicit Hub(HubOptions opts);
    ~Hub() override;
    Hub(const Hub&) = delete;
    Hub& operator=(const Hub&) = delete;

    // Restores ring, next seq and idempotency window from the journal, binds the listener and
    // starts serving in a background thread. Returns false with error (nothing left running)
    // when the journal cannot be opened or the address cannot be bound.
    bool start(std::string& error);

    // Graceful stop: refuses new requests (503), ends an active capture with session_ended,
    // lets stream readers receive everything up to it (at most ~2 s), stops the listener,
    // flushes and closes the journal. Idempotent; returns within ~5 s. Stop in-process
    // producers (the CDP proxy) before calling it so their last events are delivered.
    void stop();

    // Thread-safe publish for in-process producers; never waits on the disk. Stamps ts when
    // empty, fills the category from the schema, applies the capture rules (and the
    // idempotency window when e.id is set), assigns seq and queues it for the journal (stored
    // within the commit interval; nobody waits for it). Returns the seq, or 0 when the event
    // was not recorded (browser-content event outside a capture, duplicate id, unknown type,
    // hub stopped, or no reserved seq left because the disk cannot take seq.reserve).
    uint64_t publish(Event e);

    // Tells observer the captured categories now and after every change (see CaptureObserver).
    void watch_capture(CaptureObserver observer) {
        std::lock_guard lock(mu_);
        capture_.set_observer(std::move(observer));
    }

    // Told control.cdp.excluded_methods after every PUT/PATCH that sets it (issue 24); runs
    // under the hub's lock like watch_capture's observer. Called once at once with the current.
    void watch_control(std::function<void(const std::vector<std::string>&)> observer) {
        std::lock_guard lock(mu_);
        control_observer_ = std::move(observer);
        if (control_observer_) control_observer_(control_excluded_);
    }

    int port() const { return port_; }
    std::string url() const;  // http://host:port
    uint64_t last_seq() const;

    // Sinks (hub/sinks/): added before start(); started once the journal is restored and
    // stopped after it is closed, so they can still export everything durable (up to ~2 s).
    void add_sink(std::unique_ptr<sinks::Destination> dest, sinks::SinkOptions opts) override;
    // What sinks read: the newest durable seq, a wait for a newer one, a reader after a seq.
    uint64_t durable_seq() const override;
    bool wait_durable(uint64_t after, std::chrono::milliseconds timeout) const override;
    std::unique_ptr<StreamReader> open_reader(uint64_t after, Metrics& metrics) const override;
    // Random, kept in --data-dir: "<instance id>:<seq>" is an event's idempotency key.
    const std::string& instance_id() const override { return instance_id_; }
    const std::string& host() const override { return source_.host; }
    // The hub's logger with the prefix "sink <name>: ", for a sink and its destination.
    LogFn sink_log(const std::string& name) const override;

  private:
    struct IngestResult {
        uint64_t accepted = 0, duplicates = 0, recorded = 0, first_seq = 0;
        uint64_t wait_seq = 0;  // the batch is stored once this seq is durable
        std::string refused;    // non-empty: not (known to be) stored, answer 503 with this
    };

    bool open_journal(std::string& error);
    void restore(const JournalRecovery& rec);
    void log(const std::string& msg) const;
    void flush_note();
    bool start_sinks(std::string& error);
    void stop_sinks();
    std::vector<sinks::SinkStatus> sink_statuses() const;
    bool bind(std::string& error);
    void routes();

    // Takes a producer's batch and waits until it is durable: an acknowledgement means stored.
    IngestResult ingest(std::vector<Event>& events);
    bool can_store_locked(size_t events, std::string& why) const;
    uint64_t accept_locked(Event& e, bool droppable);
    uint64_t record_locked(Event& e, bool droppable);
    void check_schema_locked(std::string_view type, uint64_t seq, std::string_view json);
    uint64_t emit_locked(std::string_view type, std::string data, std::string session_id);
    // Start and end of a capture session, each emitting its event (the one place they do).
    bool start_capture_locked(std::vector<std::string> categories, CaptureSession& s,
                              uint64_t& seq);
    uint64_t end_capture_locked();

    void handle_ingest(const httplib::Request& req, httplib::Response& res);
    void handle_page(const httplib::Request& req, httplib::Response& res);
    void handle_capture_start(const httplib::Request& req, httplib::Response& res);
    void handle_capture_end(const httplib::Request& req, httplib::Response& res);
    void handle_capture_get(const httplib::Request& req, httplib::Response& res);
    void handle_telemetry_get(const httplib::Request& req, httplib::Response& res);
    void handle_telemetry_set(const httplib::Request& req, httplib::Response& res, bool patch);
    std::string telemetry_state_locked();
    void handle_health(const httplib::Request& req, httplib::Response& res);
    void handle_metrics(const httplib::Request& req, httplib::Response& res);
    bool refuse_if_stopping(httplib::Response& res);
    void refuse_unstored(httplib::Response& res, const std::string& why);
    bool refuse_if_not_allowed(const httplib::Request& req, httplib::Response& res);

    HubOptions opts_;
    Source source_;  // of the hub's own events
    Metrics metrics_;
    std::unique_ptr<Journal> journal_;
    std::unique_ptr<RecordRing> ring_;
    std::unique_ptr<SseStreams> sse_;
    ApiServer server_;
    std::thread server_thread_;
    std::string host_;
    int port_ = -1;
    std::atomic<int> listen_fd_{-1};
    std::string instance_id_;
    std::vector<std::unique_ptr<sinks::Sink>> sinks_;
    SampleStore samples_;  // memory samples (issue 25): not events, never journaled or streamed

    std::mutex mu_;  // publish order: dedup, capture, seq and journal order are one decision
    DedupWindow dedup_;
    CaptureState capture_;
    // control.cdp.excluded_methods and who is told of it (issue 24), under mu_.
    std::vector<std::string> control_excluded_ = default_excluded_methods();
    std::function<void(const std::vector<std::string>&)> control_observer_;
    OomLink oom_link_;              // page_crashed -> the system_oom_kill that caused it
    bool closed_ = false;           // journal closed: publish() records nothing more
    uint64_t unsequenced_run_ = 0;  // in-process events dropped since the last recorded one
    std::string note_;              // a state change to log once mu_ is released

    std::atomic<bool> started_{false}, stopping_{false}, stopped_{false};
};

}  // namespace faultline::hub
