// The OTLP/HTTP logs exporter: posts events as log records to a collector's /v1/logs, in
// order. Following the OTLP/HTTP specification it retries only 429, 502, 503 and 504 (and
// transport failures), waiting what Retry-After asks, else backing off with jitter. A 2xx
// with partialSuccess counts and logs the rejected records. 400 (and 413 for a single record)
// drops the batch: the collector will never take it. Other 4xx (401, 403, 404, ...) stop the
// exporter with a clear error. gzip is used until a collector answers 415 to it.
// OTLP has no idempotent append: the faultline.idempotency_key attribute lets a backend drop
// the repeat of a batch whose answer was lost.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "faultline/log.hpp"
#include "hub/sinks/http_retry.hpp"
#include "hub/sinks/http_sender.hpp"
#include "hub/sinks/otlp/logs_encoder.hpp"
#include "hub/sinks/sink_backoff.hpp"
#include "hub/sinks/sink_http.hpp"

namespace faultline::hub::sinks::otlp {

inline constexpr size_t kMaxBatchRecords = 512;

struct OtlpOptions {
    std::string endpoint;  // the collector's full logs URL, e.g. http://127.0.0.1:4318/v1/logs
    HttpHeaders headers;   // --otlp-header NAME=VALUE (auth); values never logged
    Protocol protocol = Protocol::json;
    bool gzip = true;
    OtlpResource resource;
    size_t max_batch = kMaxBatchRecords;
    std::chrono::milliseconds timeout{10000};
    SinkBackoff backoff{};
    LogFn log = null_log();  // the hub fills it (Hub::sink_log), prefixed "sink otlp: "
};

struct OtlpStats : HttpRetryStats {
    std::atomic<uint64_t> exported{0};  // log records the collector accepted
    std::atomic<uint64_t> requests{0};  // successful export requests
    std::atomic<uint64_t> rejected{0};  // by partialSuccess
    std::atomic<uint64_t> dropped{0};   // in batches answered 400 / 413 / 500
    std::atomic<uint64_t> fatal{0};
};

class OtlpExporter final : public HttpSender {
  public:
    explicit OtlpExporter(OtlpOptions opts);
    ~OtlpExporter() override;

    // Checks the endpoint URL and the headers. False with error set.
    bool open(std::string& error);

    // Exports events in order; returns how many from the front are handled (exported, or
    // dropped as the collector refused them for good): all, unless stop was set or a fatal
    // error stopped the exporter. on_done(n_handled_so_far) after each request.
    size_t deliver(std::span<const OtlpInput> events, const std::atomic<bool>& stop,
                   const std::function<void(size_t)>& on_done = {});

    // HttpSender: OTLP has no request without side effects to check credentials with, so the
    // probe passes and the first export is the check.
    bool probe(int&, std::string&) override { return true; }
    size_t deliver_held(std::span<const HeldEvent> events, const std::atomic<bool>& stop,
                        const std::function<void(uint64_t seq)>& done) override;
    // Each failed attempt (status 0 = no response), dropped batch and partialSuccess rejection;
    // when set, retries are left to it to log.
    void on_failure(FailureHook hook) override { on_failure_ = std::move(hook); }

    const std::string& fatal_error() const { return fatal_; }
    const OtlpStats& stats() const { return stats_; }

  private:
    enum class Step { handled, retry, smaller, fatal };
    Step post(std::span<const OtlpInput> batch);
    Step on_reply(const SinkHttpReply& r, size_t count);

    OtlpOptions opts_;
    SinkEndpoint endpoint_;
    std::unique_ptr<SinkHttp> http_;
    OtlpStats stats_;
    HttpRetry retry_{opts_.backoff, stats_};
    FailureHook on_failure_;
    std::vector<OtlpInput> inputs_;  // deliver_held's batch, as the encoder takes it
    size_t batch_limit_;
    std::string fatal_;
};

// Parses OTEL_EXPORTER_OTLP_HEADERS-style "k1=v1,k2=v2" (values percent-decoded) or a single
// NAME=VALUE, appending to out. False with error set (which never shows a value).
bool parse_otlp_headers(std::string_view spec, HttpHeaders& out, std::string& error);

}  // namespace faultline::hub::sinks::otlp
