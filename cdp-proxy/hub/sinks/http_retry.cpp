#include "hub/sinks/http_retry.hpp"

#include <fmt/format.h>

#include <ctime>

#include "hub/sinks/retry_after.hpp"

namespace faultline::hub::sinks {

void HttpRetry::failed(const SinkHttpReply& r, const std::string& why, std::string_view what,
                       size_t events, const LogFn& log, const FailureHook& hook) {
    (r.status == 0     ? stats_.failures_transport
     : r.status == 429 ? stats_.failures_throttled
                       : stats_.failures_server)++;
    if (auto d = parse_retry_after(r.retry_after, std::time(nullptr))) retry_after_ = *d;
    if (hook)
        hook(r.status, fmt::format("{} failed ({})", what, why), AfterFailure::retry, events);
    else if (backoff_.attempts() == 0 || backoff_.attempts() % 20 == 0)
        log(fmt::format("{} failed ({}), retrying", what, why));
}

void HttpRetry::wait(const std::atomic<bool>& stop) {
    ++stats_.retries;
    auto delay = backoff_.next();
    if (retry_after_.count() > 0) delay = retry_after_;
    retry_after_ = {};
    sleep_unless_stopped(stop, delay);
}

}  // namespace faultline::hub::sinks
