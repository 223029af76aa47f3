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
//   Hub (hub.cpp, sink_lifecycle.cpp): wiring and the start/stop order, nothing else. It owns
//     the parts below and hands each the narrow view it needs.
//   EventLog (event_log.cpp, event_log_capture.cpp): the hub's state under its one lock: seq,
//   dedup, capture
//     sessions (and their events), the OOM link (oom_link.cpp), the ring and the journal;
//     publish, ingest (which returns only once the batch is durable), a health snapshot.
//   store/: the journal (segments, group commit, seq.reserve, never-assigned seqs), its lines.
//   stream/: one reader's walk over ring and journal, queries, and DurableStream, the only view
//     of the hub a sink has.
//   http/: the listener, the body and query parsing, Routes (every handler, on the event log),
//     and the SSE handler (SseStreams, reading through stream/).
//   sinks/: the checkpointed readers and their destinations; they see the hub as a
//     sinks::SinkRegistry (where flags add them) and a DurableStream (what they read).
//   drop_report.cpp: the events_dropped fields ingest and the event log read.
//   metrics.cpp: the counters every part bumps; the hub owns them.
#pragma once

#include <httplib.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "faultline/event.hpp"
#include "faultline/log.hpp"
#include "hub/capture.hpp"
#include "hub/event_log.hpp"
#include "hub/http/api_server.hpp"
#include "hub/http/routes.hpp"
#include "hub/http/sse_stream.hpp"
#include "hub/metrics.hpp"
#include "hub/samples/sample_store.hpp"
#include "hub/sinks/sink.hpp"
#include "hub/sinks/sink_registry.hpp"
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
    uint64_t publish(Event e) { return log_.publish(std::move(e)); }

    // Tells observer the captured categories now and after every change (see CaptureObserver).
    void watch_capture(CaptureObserver observer) { log_.watch_capture(std::move(observer)); }

    // Told control.cdp.excluded_methods after every PUT/PATCH that sets it (issue 24); runs
    // under the event log's lock like watch_capture's observer. Called once at once.
    void watch_control(std::function<void(const std::vector<std::string>&)> observer) {
        log_.watch_control(std::move(observer));
    }

    // See EventLog::before_capture_change (main: the proxy's relay queue).
    void before_capture_change(std::function<void()> drain) {
        log_.before_capture_change(std::move(drain));
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
    void log(const std::string& msg) const;
    bool start_sinks(std::string& error);
    void stop_sinks();
    std::vector<sinks::SinkStatus> sink_statuses() const;
    bool bind(std::string& error);

    HubOptions opts_;
    Source source_;  // of the hub's own events
    Metrics metrics_;
    EventLog log_;
    std::unique_ptr<SseStreams> sse_;
    SampleStore samples_;  // memory samples (issue 25): not events, never journaled or streamed
    std::unique_ptr<Routes> routes_;
    ApiServer server_;
    std::thread server_thread_;
    std::string host_;
    int port_ = -1;
    std::atomic<int> listen_fd_{-1};
    std::string instance_id_;
    std::vector<std::unique_ptr<sinks::Sink>> sinks_;

    std::atomic<bool> started_{false}, stopping_{false}, stopped_{false};
};

}  // namespace faultline::hub
