// The part the S2 and OTLP destinations share: the sink hands over events one at a time; a
// worker thread gathers them into batches (lingering up to `linger` for a batch to fill),
// delivers each batch in order through the subclass, and acknowledges every seq the
// destination took. A failed attempt is reported to the sink as a failure (metrics, /healthz)
// while the subclass retries it; a seq the sink sends again after its rewind is acknowledged
// at once when already delivered, and not queued twice when still held, so a rewind never
// writes an event twice. After a fatal error (a 4xx that retrying cannot fix) the destination
// stops taking events: the hub keeps serving, the sink shows the error until a restart.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <thread>

#include "hub/sinks/destination.hpp"

namespace faultline::hub::sinks {

struct HeldEvent {
    uint64_t seq = 0;
    std::string type, category, json, key, host;
    uint64_t observed_ns = 0;  // when the hub recorded it (Unix nanoseconds)
};

class HttpDestination : public Destination {
  public:
    HttpDestination(size_t max_batch, std::chrono::milliseconds linger);
    ~HttpDestination() override;

    bool open(AckReceiver& rx, SinkError& err) final;
    bool ready() const final { return !fatal_; }
    bool send(const SinkEvent& ev, SinkError& err) final;
    void close() final;

  protected:
    // First contact (credentials, names). False with err set; the sink retries with backoff.
    virtual bool probe(SinkError& err) = 0;
    // Delivers events in order, retrying what can be retried; returns how many from the front
    // are done, calling done(seq) as they are. Fewer than all only on stop or a fatal error.
    virtual size_t deliver(std::span<const HeldEvent> events, const std::atomic<bool>& stop,
                           const std::function<void(uint64_t seq)>& done) = 0;
    // Called by subclasses for each failed attempt (from the worker thread).
    void attempt_failed(int status, const std::string& why, bool fatal);

  private:
    void run();
    bool wait_for_batch(std::unique_lock<std::mutex>& lock);

    const size_t max_batch_;
    const std::chrono::milliseconds linger_;
    AckReceiver* rx_ = nullptr;
    std::thread worker_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<HeldEvent> held_;
    std::chrono::steady_clock::time_point first_held_{};
    uint64_t done_ = 0, last_held_ = 0;  // newest seq delivered / taken
    std::atomic<bool> stop_{false}, fatal_{false};
    bool running_ = false;
};

// The failure cause of an HTTP answer (status 0: the transport error in why).
Cause http_cause(int status, const std::string& why);

}  // namespace faultline::hub::sinks
