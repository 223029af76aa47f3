#include "hub/http/sse_stream.hpp"

#include <algorithm>
#include <thread>

#include "faultline/sse.hpp"
#include "hub/http/error_body.hpp"
#include "hub/stream/reader.hpp"

namespace faultline::hub {

namespace {
using Clock = std::chrono::steady_clock;
constexpr size_t kBatch = 256;
constexpr int kBatchReads = 64;  // reads per ?batch_ms write: up to 16,384 events
constexpr auto kWaitSlice = std::chrono::milliseconds(200);

std::optional<std::string> param(const httplib::Request& req, const char* name) {
    if (!req.has_param(name)) return std::nullopt;
    return req.get_param_value(name);
}

}  // namespace

RawQuery raw_query_of(const httplib::Request& req) {
    RawQuery q;
    q.since = param(req, "since");
    q.limit = param(req, "limit");
    q.categories = param(req, "categories");
    q.types = param(req, "types");
    q.batch_ms = param(req, "batch_ms");
    if (req.has_header("Last-Event-ID")) q.last_event_id = req.get_header_value("Last-Event-ID");
    return q;
}

struct SseStreams::Subscriber {
    Subscriber(const RecordRing& ring, Journal* journal, Metrics& metrics, Source source,
               StreamFilter filter, uint64_t after)
        : reader(ring, journal, metrics, std::move(source), std::move(filter), after) {}
    StreamReader reader;
    std::vector<StreamItem> items;
    std::string out;
    bool started = false;
    Clock::time_point last_write;
    std::chrono::milliseconds batch{0};  // ?batch_ms
    Clock::time_point last_events;       // the last write of events
};

SseStreams::SseStreams(const RecordRing& ring, Journal* journal, Metrics& metrics, Source source,
                       SseOptions opts)
    : ring_(ring), journal_(journal), metrics_(metrics), source_(std::move(source)), opts_(opts) {}

void SseStreams::handle(const httplib::Request& req, httplib::Response& res) {
    StreamQuery q;
    QueryError err;
    if (!parse_stream_query(raw_query_of(req), false, q, err))
        return send_error(res, 400, err.message, err.parameter);
    if (finishing_) {
        res.set_header("Retry-After", "1");
        return send_error(res, 503, "the hub is shutting down");
    }
    if (subscribers_.fetch_add(1) >= opts_.max_subscribers) {
        release();
        metrics_.sse_rejected();
        res.set_header("Retry-After", "5");
        return send_error(res, 503,
                          fmt::format("too many stream readers (cap {}, --max-subscribers)",
                                      opts_.max_subscribers));
    }
    metrics_.sse_opened();
    auto sub = std::make_shared<Subscriber>(ring_, journal_, metrics_, source_, std::move(q.filter),
                                            q.after.value_or(ring_.last_seq()));
    sub->batch = q.batch;
    res.set_header("Cache-Control", "no-cache");
    res.set_header("X-Accel-Buffering", "no");
    // Exactly "text/event-stream": with a charset parameter cpp-httplib would gzip the stream.
    res.set_chunked_content_provider(
        "text/event-stream",
        [this, sub](size_t, httplib::DataSink& sink) { return step(*sub, sink); },
        [this, sub](bool) { release(); });
}

void SseStreams::release() {
    {
        std::lock_guard lock(mu_);
        subscribers_.fetch_sub(1);
    }
    idle_cv_.notify_all();
}

bool SseStreams::step(Subscriber& s, httplib::DataSink& sink) {
    const auto now = Clock::now();
    if (finishing_ && now.time_since_epoch().count() >= deadline_ns_.load()) return false;
    if (!s.started) {
        s.started = true;
        const std::string hello = sse_retry(opts_.retry_ms);
        if (!sink.write(hello.data(), hello.size())) return false;
        s.last_write = now;
    }
    if (s.batch.count() > 0 && now < s.last_events + s.batch) {
        // ?batch_ms: what comes meanwhile goes out together once the batch is up.
        std::this_thread::sleep_for(
            std::min<Clock::duration>(s.last_events + s.batch - now, kWaitSlice));
        return true;
    }
    s.items.clear();
    bool moved = s.reader.next(kBatch, s.items);
    // ?batch_ms: everything that came during the batch goes out now, however many reads that
    // takes (one read per batch would cap the reader at kBatch events a batch, behind for good).
    for (int reads = 1; s.batch.count() > 0 && moved && reads < kBatchReads; ++reads)
        moved = s.reader.next(kBatch, s.items);
    if (!s.items.empty()) {
        s.out.clear();
        for (const auto& item : s.items)
            if (item.kind != StreamItem::Kind::unassigned)
                s.out += sse_frame(item.id, item.type, item.json);
        if (!s.out.empty() && !sink.write(s.out.data(), s.out.size())) return false;
        s.last_write = Clock::now();
        if (!moved) s.last_events = s.last_write;  // still behind: the next write comes at once
    }
    if (moved) return true;
    if (finishing_ && s.reader.cursor() >= final_seq_.load()) {
        sink.done();
        return true;
    }
    if (now - s.last_write >= opts_.heartbeat) {
        const std::string beat = sse_comment("heartbeat");
        if (!sink.write(beat.data(), beat.size())) return false;
        s.last_write = now;
    } else if (!sink.is_writable()) {
        return false;  // the reader went away
    }
    ring_.wait_after(s.reader.cursor(), kWaitSlice);
    return true;
}

bool SseStreams::finish(uint64_t final_seq, Clock::time_point deadline) {
    final_seq_ = final_seq;
    deadline_ns_ = deadline.time_since_epoch().count();
    finishing_ = true;
    std::unique_lock lock(mu_);
    return idle_cv_.wait_until(lock, deadline + kWaitSlice, [&] { return subscribers_ == 0; });
}

}  // namespace faultline::hub
