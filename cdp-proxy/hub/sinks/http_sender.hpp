// What the one HTTP sink adapter (HttpDestination) drives: S2's writer or OTLP's exporter. A
// sender delivers a batch in order and retries it itself (one retry loop, HttpRetry), so the
// sink above never rewinds for it and never sends it an event twice.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <span>
#include <string>

namespace faultline::hub::sinks {

// One event as the adapter holds it until its batch is delivered.
struct HeldEvent {
    uint64_t seq = 0;
    std::string type, category, json, key, host;
    uint64_t observed_ns = 0;  // when the hub recorded it (Unix nanoseconds)
};

// What follows a failed attempt: it is tried again, its events are given up (the destination
// refused them for good: counted as rejected), or the sender stopped (a 4xx retrying cannot fix).
enum class AfterFailure { retry, give_up, stop };
using FailureHook =
    std::function<void(int status, const std::string& why, AfterFailure next, size_t events)>;

class HttpSender {
  public:
    virtual ~HttpSender() = default;
    // One request that checks credentials and names before the first batch. False with status
    // (0 = no response) and why set; the sink tries again after a backoff.
    virtual bool probe(int& status, std::string& why) = 0;
    // Delivers events in order, retrying what can be retried; returns how many from the front
    // are done, calling done(seq) as they are. Fewer than all only on stop or a fatal error.
    virtual size_t deliver_held(std::span<const HeldEvent> events, const std::atomic<bool>& stop,
                                const std::function<void(uint64_t seq)>& done) = 0;
    // Each failed attempt goes here (from the delivering thread); set before the first deliver.
    virtual void on_failure(FailureHook hook) = 0;
};

}  // namespace faultline::hub::sinks
