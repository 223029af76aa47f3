// The one retry loop of the HTTP sinks (S2, OTLP): a retryable answer is counted and reported,
// and the next attempt waits what its Retry-After asked, else the backoff's jittered delay.
// Which answers are retryable is each protocol's own rule; the waiting is shared.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "faultline/log.hpp"
#include "hub/sinks/http_sender.hpp"
#include "hub/sinks/sink_backoff.hpp"
#include "hub/sinks/sink_http.hpp"

namespace faultline::hub::sinks {

struct HttpRetryStats {
    std::atomic<uint64_t> retries{0};  // attempts repeated after a retryable answer
    std::atomic<uint64_t> failures_transport{0}, failures_throttled{0}, failures_server{0};
};

class HttpRetry {
  public:
    HttpRetry(SinkBackoff& backoff, HttpRetryStats& stats) : backoff_(backoff), stats_(stats) {}

    // A retryable answer to `what` (e.g. "append") for `events` events: counts it by kind,
    // keeps its Retry-After, and reports it through hook (else logs every 20th attempt).
    void failed(const SinkHttpReply& r, const std::string& why, std::string_view what,
                size_t events, const LogFn& log, const FailureHook& hook);
    // Before the attempt again: Retry-After's delay, else the backoff's (less once stop is set).
    void wait(const std::atomic<bool>& stop);
    // An attempt went through: the next failure starts the backoff from the beginning.
    void succeeded() { backoff_.reset(); }

  private:
    SinkBackoff& backoff_;
    HttpRetryStats& stats_;
    std::chrono::milliseconds retry_after_{0};
};

}  // namespace faultline::hub::sinks
