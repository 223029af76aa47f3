// The S2 writer: appends events to one S2 stream exactly once, in order. Every append carries
// match_seq_num (the stream tail it expects), so a retry after an ambiguous failure (a timeout
// after the write took effect) cannot land twice: S2 answers 412 with the real tail, the writer
// reads what sits between, recognises its own records by their idempotency-key header, and
// continues after them. On first use it reads the stream's last records for the same reason
// (a hub killed after S2 acknowledged but before its cursor moved). 408, 429, 5xx and transport
// failures are retried with backoff and jitter; any other 4xx stops the writer with an error.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "faultline/log.hpp"
#include "hub/sinks/http_retry.hpp"
#include "hub/sinks/http_sender.hpp"
#include "hub/sinks/s2/s2_batch.hpp"
#include "hub/sinks/s2/s2_response.hpp"
#include "hub/sinks/sink_backoff.hpp"
#include "hub/sinks/sink_http.hpp"

namespace faultline::hub::sinks::s2 {

inline constexpr std::string_view kCloudBasinEndpoint = "https://{basin}.b.s2.dev/v1";
inline constexpr std::chrono::milliseconds kLinger{100};  // how long a partial batch waits

struct S2Options {
    std::string endpoint{kCloudBasinEndpoint};  // {basin} is replaced; /v1 when no path is given
    std::string basin;
    std::string stream;
    std::string token;  // sent as a bearer token, never logged
    std::chrono::milliseconds timeout{10000};
    SinkBackoff backoff{};
    LogFn log = null_log();  // the hub fills it (Hub::sink_log), prefixed "sink s2: "
};

// retries: attempts repeated after 408/429/5xx/transport.
struct S2Stats : HttpRetryStats {
    std::atomic<uint64_t> appended{0};   // records S2 acknowledged
    std::atomic<uint64_t> appends{0};    // successful append calls
    std::atomic<uint64_t> conflicts{0};  // 412 answers resolved by reading the stream
    std::atomic<uint64_t> recovered{0};  // records found already in the stream, not re-sent
    std::atomic<uint64_t> oversized{0};  // single events over 1 MiB metered, skipped
    std::atomic<uint64_t> fatal{0};      // 1 once a non-retryable error stopped the writer
};

class S2Writer final : public HttpSender {
  public:
    explicit S2Writer(S2Options opts);
    ~S2Writer() override;

    // Checks the options (names, endpoint URL, TLS availability). False with error set.
    bool open(std::string& error);

    // One check-tail: token, basin, stream and endpoint are right. False with status (0 = no
    // response) and why set.
    bool probe(int& status, std::string& why) override;

    // Delivers records (in seq order) exactly once. Returns the number handled from the front
    // (appended, found already there, or set aside as oversized): all of them, unless stop was
    // set or a fatal error stopped the writer (fatal_error() says why). on_done(seq) is called
    // with the seq of the last handled record after each step that handled some.
    size_t deliver(std::span<const S2Record> records, const std::atomic<bool>& stop,
                   const std::function<void(uint64_t)>& on_done = {});

    // HttpSender: deliver() on the adapter's held events.
    size_t deliver_held(std::span<const HeldEvent> events, const std::atomic<bool>& stop,
                        const std::function<void(uint64_t seq)>& done) override;
    // Each failed attempt (status 0 = no response), before the retry or the stop, and each
    // event skipped as oversized (413); when set, the writer leaves logging retries to it.
    void on_failure(FailureHook hook) override { on_failure_ = std::move(hook); }

    const std::string& fatal_error() const { return fatal_; }
    const S2Stats& stats() const { return stats_; }
    uint64_t stream_tail() const { return tail_; }

  private:
    enum class Step { handled, retry, fatal };

    Step sync();
    Step append(std::span<const S2Record> batch, size_t& handled);
    Step reconcile(std::span<const S2Record> batch, uint64_t actual_tail, size_t& present);
    Step read_keys(uint64_t from, size_t count, S2ReadBatch& out);
    size_t skip_present(std::span<const S2Record> pending);
    Step classify(const SinkHttpReply& r, std::string_view what, size_t events = 0);
    std::string records_path() const;
    void log(const std::string& line) const;

    S2Options opts_;
    SinkEndpoint endpoint_;
    std::unique_ptr<SinkHttp> http_;
    S2Stats stats_;
    HttpRetry retry_{opts_.backoff, stats_};
    FailureHook on_failure_;
    std::vector<S2Record> records_;  // deliver_held's batch, as the writer takes it
    bool synced_ = false;
    // The stream's last records as sync() read them: later chunks of pending records may be
    // among them too (a restart resumes from a cursor older than the stream); cleared once a
    // pending record is not there.
    std::vector<S2ReadRecord> tail_window_;
    uint64_t tail_ = 0;  // the stream's next seq_num as this writer last saw it
    std::string fatal_;
};

// The records of `pending` (oldest first) already in the stream, given records read from it:
// every pending record up to the newest seq of this writer (the "instance:" of its keys) that
// was read (appends are ordered and atomic, so all before it were written before it). Other
// writers' records and records without a key are ignored.
size_t already_written(std::span<const S2Record> pending, std::span<const S2ReadRecord> read);

// Percent-encodes one URL path segment (stream names may hold any byte).
std::string encode_path_segment(std::string_view s);

}  // namespace faultline::hub::sinks::s2
