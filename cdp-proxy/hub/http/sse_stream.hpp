// GET /telemetry/stream: Server-Sent Events over cpp-httplib's chunked content provider.
// Each reader holds one API worker thread while it reads (hub/http/worker_pool starts them on
// demand), so readers are capped (--max-subscribers); a reader never holds a lock a publisher needs
// (it copies shared pointers out of the ring), and a slow one is told exactly how many events it
// missed (events_dropped, reader_behind).
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "faultline/event.hpp"
#include "hub/metrics.hpp"
#include "hub/store/journal.hpp"
#include "hub/store/record.hpp"
#include "hub/stream/query.hpp"

namespace faultline::hub {

struct SseOptions {
    size_t max_subscribers = 64;
    std::chrono::milliseconds heartbeat{15000};
    unsigned retry_ms = 3000;  // the reconnection delay sent to EventSource clients
};

// The since/Last-Event-ID/limit/categories/types/batch_ms parameters of a request.
RawQuery raw_query_of(const httplib::Request& req);

class SseStreams {
  public:
    SseStreams(const RecordRing& ring, Journal* journal, Metrics& metrics, Source source,
               SseOptions opts);

    // Answers 400 for a bad query, 503 with Retry-After past the reader cap or while
    // finishing; otherwise starts the stream (200, text/event-stream).
    void handle(const httplib::Request& req, httplib::Response& res);
    size_t subscribers() const { return subscribers_.load(); }
    size_t max_subscribers() const { return opts_.max_subscribers; }

    // Asks every stream to deliver everything up to final_seq and then end. Returns true when
    // all ended before deadline; streams still open at the deadline end at their next step.
    bool finish(uint64_t final_seq, std::chrono::steady_clock::time_point deadline);

  private:
    struct Subscriber;
    // One provider call: writes what is new, or a heartbeat, or waits briefly. Returns false
    // to end the response (write failed, peer gone, or shutdown deadline passed).
    bool step(Subscriber& s, httplib::DataSink& sink);
    void release();

    const RecordRing& ring_;
    Journal* journal_;
    Metrics& metrics_;
    Source source_;
    SseOptions opts_;
    std::atomic<size_t> subscribers_{0};
    std::atomic<bool> finishing_{false};
    std::atomic<uint64_t> final_seq_{0};
    std::atomic<int64_t> deadline_ns_{0};  // steady_clock, valid while finishing_
    std::mutex mu_;
    std::condition_variable idle_cv_;
};

}  // namespace faultline::hub
