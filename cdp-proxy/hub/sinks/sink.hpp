// A sink: a reader of the hub's stream with its own cursor, exporting to a Destination on its
// own thread. It reads only what the journal made durable, through the hub's reader (ring,
// then journal), so a slow or absent destination grows a backlog in the journal, never in
// memory, and never slows publish. The cursor (persisted in <data-dir>/sinks/<name>.cursor)
// advances only over events the destination acknowledged, so a restart continues exactly where
// the acks stopped; each event carries the key "<instance id>:<seq>" so the destination drops
// what a retry sends twice. On any failure the sink waits for what is in flight to resolve and
// sends again from the cursor. Events gone from the journal before export are skipped, logged
// with their exact count and counted. Sink errors are logs and metrics, never events.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "faultline/log.hpp"
#include "hub/metrics.hpp"
#include "hub/sinks/cursor_file.hpp"
#include "hub/sinks/destination.hpp"
#include "hub/sinks/sink_status.hpp"
#include "hub/stream/durable_stream.hpp"
#include "hub/stream/query.hpp"
#include "hub/stream/reader.hpp"

namespace faultline::hub::sinks {

struct SinkOptions {
    std::string name;     // metrics label, cursor file name, log prefix ("nats")
    StreamFilter filter;  // which events it takes (empty = everything recorded)
    size_t max_in_flight = 256;
    size_t batch = 1024;  // events read from the hub at a time
    double unhealthy_after_seconds = 60;
    std::chrono::milliseconds cursor_interval{100};  // how often an advanced cursor is stored
    std::function<void(uint64_t seq)> on_ack;        // tests and benchmarks: each acked seq
    LogFn log;  // lines already prefixed "sink <name>: "; empty = Hub::add_sink fills it
};

class Sink : private AckReceiver {
  public:
    // cursor_dir: where the cursor file lives ("" = not persisted).
    Sink(DurableStream& stream, std::unique_ptr<Destination> dest, SinkOptions opts,
         std::string cursor_dir);
    ~Sink() override;
    Sink(const Sink&) = delete;
    Sink& operator=(const Sink&) = delete;

    // Loads the cursor and starts the thread. False with error when the cursor is unreadable.
    bool start(std::string& error);
    // Exports what is durable until it is all acknowledged or the deadline passes, stores the
    // cursor and closes the destination. Idempotent.
    void stop(std::chrono::steady_clock::time_point deadline);
    SinkStatus status() const;
    const std::string& name() const { return opts_.name; }

  private:
    struct Pending {  // an event read from the hub, in flight or waiting to be sent
        uint64_t seq = 0;
        uint64_t recorded_ns = 0;  // when the hub recorded it (0 = unknown)
        std::string type, category, json;
        bool acked = false, failed = false;
    };

    void acked(uint64_t seq) override;
    void failed(uint64_t seq, SinkError err) override;
    void attempt_failed(SinkError err, size_t resent) override;
    void connection(bool up, std::string_view message) override;

    void run();
    bool open_destination();
    bool rewind_if_failed();
    void fill();
    bool read_batch(uint64_t limit);
    void skip_locked(uint64_t prev, uint64_t next);
    void send_ready();
    uint64_t cursor_locked() const;
    void pop_acked_locked();
    void store_cursor(bool force);
    bool drained();
    void note_failure(const SinkError& err);
    void log(const std::string& msg) const;

    DurableStream& stream_;
    std::unique_ptr<Destination> dest_;
    SinkOptions opts_;
    CursorFile cursor_file_;
    std::string instance_id_, host_;
    Metrics reader_metrics_;  // the reader's own notices are not the hub's drops
    std::unique_ptr<StreamReader> reader_;
    std::thread thread_;

    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::deque<Pending> flight_;  // sent, in seq order, until acked from the front
    std::deque<Pending> queue_;   // read, not yet sent
    uint64_t read_upto_ = 0;  // the reader's position: every seq <= it is in flight_/queue_ or done
    uint64_t stored_cursor_ = 0;
    bool rewind_ = false, opened_ = false, connected_ = false;
    std::atomic<bool> stopping_{false};  // read by the loop between its locked sections
    std::chrono::steady_clock::time_point deadline_{}, failing_since_{}, last_store_{};
    std::chrono::steady_clock::time_point rewind_since_{};  // first wait of the current rewind
    std::chrono::milliseconds backoff_{500};                // before the next open()
    // After a rewind, sending resumes at resume_at_; the pause doubles with each rewind that
    // is not followed by an ack (a leader election answers every publish with a failure).
    std::chrono::steady_clock::time_point resume_at_{};
    std::chrono::milliseconds rewind_backoff_{50};
    bool failing_ = false;
    std::string last_error_;
    uint64_t exported_ = 0, retries_ = 0, skipped_ = 0;
    std::array<uint64_t, kCauses> failures_{};
    // Log rate limiting: a failure is logged when its cause changes or 10 s after the last.
    mutable Cause logged_cause_ = Cause::publish;
    mutable std::chrono::steady_clock::time_point logged_at_{};
    mutable uint64_t suppressed_ = 0;
};

}  // namespace faultline::hub::sinks
