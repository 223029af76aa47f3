#include "hub/sinks/s2/s2_writer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <thread>

namespace faultline::hub::sinks::s2 {

namespace {

// Basin names: 8-48 bytes of lowercase letters, digits and hyphens, no hyphen at either end.
bool valid_basin(std::string_view b) {
    if (b.size() < 8 || b.size() > 48 || b.front() == '-' || b.back() == '-') return false;
    for (char c : b)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
    return true;
}

std::string replace_basin(std::string url, std::string_view basin) {
    for (size_t at; (at = url.find("{basin}")) != std::string::npos;) url.replace(at, 7, basin);
    return url;
}

}  // namespace

std::string encode_path_segment(std::string_view s) {
    std::string out;
    for (unsigned char c : s) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~')
            out.push_back(char(c));
        else
            out += fmt::format("%{:02X}", c);
    }
    return out;
}

size_t already_written(std::span<const S2Record> pending, std::span<const S2ReadRecord> read) {
    if (pending.empty()) return 0;
    const std::string_view first = pending.front().key;
    const std::string_view writer = first.substr(0, first.rfind(':') + 1);  // "instance:"
    uint64_t newest = 0;
    for (const auto& r : read) {
        if (writer.empty() || !r.key.starts_with(writer)) continue;
        uint64_t seq = 0;
        const char* end = r.key.data() + r.key.size();
        auto [p, ec] = std::from_chars(r.key.data() + writer.size(), end, seq);
        if (ec == std::errc() && p == end) newest = std::max(newest, seq);
    }
    size_t n = 0;
    while (n < pending.size() && pending[n].seq <= newest) ++n;
    return n;
}

S2Writer::S2Writer(S2Options opts) : opts_(std::move(opts)) {
    if (!opts_.log) opts_.log = null_log();
}

S2Writer::~S2Writer() = default;

bool S2Writer::open(std::string& error) {
    if (!valid_basin(opts_.basin))
        return error = fmt::format(
                   "--s2-basin '{}': a basin name is 8-48 lowercase letters, "
                   "digits and hyphens, with no hyphen at either end",
                   opts_.basin),
               false;
    if (opts_.stream.empty() || opts_.stream.size() > 512)
        return error = "--s2-stream: a stream name is 1-512 bytes", false;
    std::string why;
    if (!parse_sink_endpoint(replace_basin(opts_.endpoint, opts_.basin), endpoint_, why))
        return error = fmt::format("--s2-endpoint '{}': {}", opts_.endpoint, why), false;
    if (endpoint_.path.empty()) endpoint_.path = "/v1";
    HttpHeaders headers;
    if (!opts_.token.empty()) headers.emplace_back("Authorization", "Bearer " + opts_.token);
    // The cloud names the basin in the host; s2-lite (any other endpoint) needs the header.
    if (opts_.endpoint != kCloudBasinEndpoint) headers.emplace_back("S2-Basin", opts_.basin);
    http_ = std::make_unique<SinkHttp>(endpoint_.origin, std::move(headers), opts_.timeout);
    return true;
}

std::string S2Writer::records_path() const {
    return endpoint_.path + "/streams/" + encode_path_segment(opts_.stream) + "/records";
}

void S2Writer::log(const std::string& line) const {
    opts_.log(line);
}

size_t S2Writer::deliver(std::span<const S2Record> records, const std::atomic<bool>& stop,
                         const std::function<void(uint64_t)>& on_done) {
    size_t done = 0;
    while (done < records.size() && !stop && fatal_.empty()) {
        std::span<const S2Record> rest = records.subspan(done);
        size_t handled = 0;
        Step step = Step::handled;
        if (!synced_) {
            step = sync();
            synced_ = step == Step::handled;
            if (synced_) handled = skip_present(rest);
        } else if (!tail_window_.empty()) {
            handled = skip_present(rest);
        } else if (oversized(rest.front())) {
            const std::string why = fmt::format(
                "event seq {} ({}) is {} metered bytes, over S2's 1 MiB record limit: skipped",
                rest.front().seq, rest.front().type, metered_bytes(rest.front()));
            log(why);
            ++stats_.oversized;
            if (on_failure_) on_failure_(413, why, AfterFailure::give_up, 0);  // as rejected
            handled = 1;
        } else {
            step = append(rest.subspan(0, take_batch(rest)), handled);
        }
        if (step == Step::retry) {
            retry_.wait(stop);
            continue;
        }
        if (step == Step::fatal) break;
        retry_.succeeded();
        done += handled;
        if (handled && on_done) on_done(records[done - 1].seq);
    }
    return done;
}

size_t S2Writer::deliver_held(std::span<const HeldEvent> events, const std::atomic<bool>& stop,
                              const std::function<void(uint64_t)>& done) {
    records_.clear();
    for (const auto& e : events) records_.push_back(S2Record{e.seq, e.type, e.key, e.json});
    return deliver(records_, stop, done);
}

bool S2Writer::probe(int& status, std::string& why) {
    SinkHttpReply r = http_->get(records_path() + "/tail", {{"Accept", "application/json"}});
    status = r.status;
    uint64_t tail = 0;
    std::string error;
    if (r.status == 200 && parse_tail(r.body, tail, error)) return true;
    why = r.status == 0     ? r.error
          : r.status == 200 ? "check tail: " + error
                            : fmt::format("check tail: {} {}", r.status, error_summary(r.body));
    return false;
}

// First contact: the stream's tail and its last records, to recognise ours among them.
S2Writer::Step S2Writer::sync() {
    SinkHttpReply r = http_->get(records_path() + "/tail", {{"Accept", "application/json"}});
    if (r.status != 200) return classify(r, "check tail");
    std::string error;
    uint64_t tail = 0;
    if (!parse_tail(r.body, tail, error)) return classify({500, error, {}, {}, {}}, "check tail");
    tail_ = tail;
    const uint64_t window = std::min<uint64_t>(tail, kMaxBatchRecords);
    S2ReadBatch read;
    if (window) {
        if (Step s = read_keys(tail - window, window, read); s != Step::handled) return s;
    }
    tail_window_ = std::move(read.records);
    return Step::handled;
}

// Returns how many records at the front of `pending` the stream already held at sync().
size_t S2Writer::skip_present(std::span<const S2Record> pending) {
    const size_t present = already_written(pending, tail_window_);
    if (present < pending.size()) tail_window_.clear();
    stats_.recovered += present;
    if (present)
        log(
            fmt::format("{} event(s) up to seq {} were already in the stream (appended before "
                        "a restart): not sent again",
                        present, pending[present - 1].seq));
    return present;
}

S2Writer::Step S2Writer::append(std::span<const S2Record> batch, size_t& handled) {
    const std::string body = append_body(batch, tail_);
    SinkHttpReply r =
        http_->post(records_path(), body, "application/json", {{"Accept", "application/json"}});
    if (r.status == 412) {
        S2ConditionFailed c;
        std::string error;
        if (!parse_condition_failed(r.body, c, error) || !c.seq_num_mismatch)
            return classify({400, error_summary(r.body), {}, {}, {}}, "append (412)");
        ++stats_.conflicts;
        return reconcile(batch, *c.seq_num_mismatch, handled);
    }
    if (r.status != 200) return classify(r, "append", batch.size());
    S2AppendAck ack;
    std::string error;
    if (!parse_append_ack(r.body, ack, error) || ack.end - ack.start != batch.size())
        return classify({500, error.empty() ? "ack count mismatch" : error, {}, {}, {}}, "append");
    tail_ = ack.end;
    ++stats_.appends;
    stats_.appended += batch.size();
    handled = batch.size();
    return Step::handled;
}

// A 412: the stream's tail is not where this writer expected it. A batch of ours that took
// effect after all sits exactly at the old tail (match_seq_num put it there).
S2Writer::Step S2Writer::reconcile(std::span<const S2Record> batch, uint64_t actual_tail,
                                   size_t& present) {
    S2ReadBatch read;
    if (actual_tail > tail_) {
        const uint64_t count = std::min<uint64_t>(actual_tail - tail_, batch.size());
        if (Step s = read_keys(tail_, count, read); s != Step::handled) return s;
    }
    present = already_written(batch, read.records);
    stats_.recovered += present;
    log(
        fmt::format("append condition failed: stream tail is {}, expected {}; {} of {} event(s) "
                    "were already there",
                    actual_tail, tail_, present, batch.size()));
    tail_ = actual_tail;
    return Step::handled;
}

S2Writer::Step S2Writer::read_keys(uint64_t from, size_t count, S2ReadBatch& out) {
    while (count > 0) {
        const std::string path =
            fmt::format("{}?seq_num={}&count={}&clamp=true", records_path(), from, count);
        SinkHttpReply r = http_->get(path, {{"Accept", "application/json"}});
        if (r.status != 200) return classify(r, "read");
        S2ReadBatch batch;
        std::string error;
        if (!parse_read_batch(r.body, batch, error))
            return classify({500, error, {}, {}, {}}, "read");
        if (batch.records.empty()) break;
        from = batch.records.back().seq_num + 1;
        count -= std::min(count, batch.records.size());
        for (auto& rec : batch.records) out.records.push_back(std::move(rec));
    }
    return Step::handled;
}

// Retryable (408, 429, 5xx, no response) or fatal (any other status), logged either way.
S2Writer::Step S2Writer::classify(const SinkHttpReply& r, std::string_view what, size_t events) {
    const std::string why =
        r.status == 0 ? r.error : fmt::format("{} {}", r.status, error_summary(r.body));
    if (r.status == 0 || r.status == 408 || r.status == 429 || r.status >= 500) {
        retry_.failed(r, why, what, events, opts_.log, on_failure_);
        return Step::retry;
    }
    fatal_ = fmt::format(
        "{} failed: {}; the S2 sink stopped (check --s2-basin, --s2-stream, "
        "--s2-token and --s2-endpoint)",
        what, why);
    ++stats_.fatal;
    log(fatal_);
    if (on_failure_) on_failure_(r.status, fatal_, AfterFailure::stop, 0);
    return Step::fatal;
}

}  // namespace faultline::hub::sinks::s2
