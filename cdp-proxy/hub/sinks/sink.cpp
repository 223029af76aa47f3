#include "hub/sinks/sink.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "faultline/clock.hpp"
#include "hub/store/journal_line.hpp"

namespace faultline::hub::sinks {

namespace {
using Clock = std::chrono::steady_clock;
constexpr auto kMaxBackoff = std::chrono::seconds(10);
constexpr auto kRewindPatience = std::chrono::seconds(15);  // in-flight sends left unresolved
constexpr auto kMaxRewindPause = std::chrono::milliseconds(2000);

// When the hub recorded an item: its own time, or for journals older than that the event's.
uint64_t recorded_ns(const StreamItem& it) {
    if (it.recorded_ns) return it.recorded_ns;
    const auto head = journal_line_head(it.json);
    return head ? rfc3339_unix_ns(head->ts).value_or(0) : 0;
}

// A record of the stream (not a gap notice the reader made up): its JSON carries its seq.
bool is_record(const StreamItem& it) {
    return journal_line_seq(it.json) == it.id;
}
}  // namespace

Sink::Sink(DurableStream& stream, std::unique_ptr<Destination> dest, SinkOptions opts,
           std::string cursor_dir)
    : stream_(stream),
      dest_(std::move(dest)),
      opts_(std::move(opts)),
      cursor_file_(std::move(cursor_dir), opts_.name) {
    opts_.max_in_flight = std::max<size_t>(opts_.max_in_flight, 1);
    opts_.batch = std::max<size_t>(opts_.batch, 1);
}

Sink::~Sink() {
    stop(Clock::now());
}

void Sink::log(const std::string& msg) const {
    if (opts_.log) opts_.log(msg);
}

bool Sink::start(std::string& error) {
    uint64_t cursor = 0;
    if (!cursor_file_.load(cursor, error)) {
        error = fmt::format("sink {}: {}", opts_.name, error);
        return false;
    }
    if (const uint64_t durable = stream_.durable_seq(); cursor > durable) {
        log(
            fmt::format("cursor {} is past the journal's newest seq {} (journal replaced?); "
                        "continuing from {}",
                        cursor, durable, durable));
        cursor = durable;
    }
    instance_id_ = stream_.instance_id();
    host_ = stream_.host();
    read_upto_ = stored_cursor_ = cursor;
    reader_ = stream_.open_reader(cursor, reader_metrics_);
    if (cursor) log(fmt::format("resuming after seq {}", cursor));
    thread_ = std::thread([this] { run(); });
    return true;
}

void Sink::stop(Clock::time_point deadline) {
    {
        std::lock_guard lock(mu_);
        if (!thread_.joinable()) return;
        stopping_ = true;
        deadline_ = deadline;
    }
    cv_.notify_all();
    thread_.join();
}

void Sink::run() {
    while (true) {
        {
            std::lock_guard lock(mu_);
            if (stopping_ && (!opened_ || Clock::now() >= deadline_)) break;
        }
        if (stopping_ && drained()) break;
        if (!opened_ && !open_destination()) continue;
        if (rewind_if_failed()) continue;
        fill();
        send_ready();
        store_cursor(false);
        std::unique_lock lock(mu_);
        if (connected_ && flight_.empty() && queue_.empty() && !rewind_) failing_ = false;
        const bool can_send =
            !queue_.empty() && flight_.size() < opts_.max_in_flight && dest_->ready() && !rewind_;
        if (can_send) continue;
        if (!queue_.empty() || rewind_ || stopping_) {  // a closed journal does not wait
            cv_.wait_for(lock, std::chrono::milliseconds(stopping_ ? 10 : 50));
        } else {
            const uint64_t upto = read_upto_;
            const auto wait = std::chrono::milliseconds(flight_.empty() ? 100 : 20);
            lock.unlock();
            stream_.wait_durable(upto, wait);
        }
    }
    store_cursor(true);
    dest_->close();
    std::lock_guard lock(mu_);
    if (!flight_.empty() || !queue_.empty())
        log(fmt::format("stopped with {} events not acknowledged; they go out after the restart",
                        flight_.size() + queue_.size()));
}

bool Sink::open_destination() {
    SinkError err;
    if (dest_->open(*this, err)) {
        std::lock_guard lock(mu_);
        opened_ = connected_ = true;
        backoff_ = std::chrono::milliseconds(500);
        log("connected");
        return true;
    }
    std::unique_lock lock(mu_);
    note_failure(err);
    cv_.wait_for(lock, backoff_, [&] { return stopping_.load(); });
    backoff_ = std::min<std::chrono::milliseconds>(backoff_ * 2, kMaxBackoff);
    return false;
}

// After a failure: once everything in flight is resolved (acked, failed or timed out), sends
// again from the cursor. Returns true while a rewind is under way.
bool Sink::rewind_if_failed() {
    std::unique_lock lock(mu_);
    if (!rewind_) return false;
    if (rewind_since_ == Clock::time_point{}) rewind_since_ = Clock::now();
    const bool unresolved = std::any_of(flight_.begin(), flight_.end(),
                                        [](const Pending& p) { return !p.acked && !p.failed; });
    if (unresolved && Clock::now() - rewind_since_ < kRewindPatience &&
        !(stopping_ && Clock::now() >= deadline_)) {
        cv_.wait_for(lock, std::chrono::milliseconds(50));
        return true;
    }
    if (!connected_ && !stopping_) {  // nothing to gain before the connection is back
        cv_.wait_for(lock, std::chrono::milliseconds(100));
        return true;
    }
    pop_acked_locked();
    const uint64_t cursor = cursor_locked();
    retries_ += flight_.size();
    flight_.clear();
    queue_.clear();
    read_upto_ = cursor;
    rewind_ = false;
    rewind_since_ = {};
    resume_at_ = Clock::now() + rewind_backoff_;
    rewind_backoff_ = std::min<std::chrono::milliseconds>(rewind_backoff_ * 2, kMaxRewindPause);
    lock.unlock();
    dest_->abandon();  // whatever is still pending there is sent again from the cursor
    reader_ = stream_.open_reader(cursor, reader_metrics_);
    return true;
}

void Sink::fill() {
    {
        std::lock_guard lock(mu_);
        if (queue_.size() >= opts_.batch || rewind_) return;
    }
    const uint64_t limit = stream_.durable_seq();
    while (read_upto_ < limit && !read_batch(limit)) {
    }
}

// Reads up to one batch of durable events (seq <= limit) into queue_. Returns false when the
// reader was overtaken by the ring and must read again from the journal.
bool Sink::read_batch(uint64_t limit) {
    std::vector<StreamItem> items;
    const uint64_t before = read_upto_;
    reader_->next(std::min<uint64_t>(opts_.batch, limit - before), items);
    uint64_t end = reader_->cursor();
    for (const auto& it : items)
        if (it.kind == StreamItem::Kind::notice &&
            it.json.find("\"reader_behind\"") != std::string::npos) {
            reader_ = stream_.open_reader(before, reader_metrics_);  // it is all in the journal
            return false;
        }
    if (end > limit) {  // never export what is not durable yet
        end = limit;
        reader_ = stream_.open_reader(limit, reader_metrics_);
    }
    uint64_t prev = before;
    std::lock_guard lock(mu_);
    for (auto& it : items) {
        if (it.kind == StreamItem::Kind::unassigned && it.id <= end) prev = it.id;  // no gap
        if (!is_record(it) || it.id > end) continue;
        skip_locked(prev, it.id);
        prev = it.id;
        if (!opts_.filter.matches(it.type, it.category)) continue;
        const uint64_t recorded = recorded_ns(it);
        queue_.push_back(Pending{it.id, recorded, std::move(it.type), std::move(it.category),
                                 std::move(it.json)});
    }
    skip_locked(prev, end + 1);
    read_upto_ = end;
    return true;
}

// Counts and logs the events between seq prev and next that the reader found gone.
void Sink::skip_locked(uint64_t prev, uint64_t next) {
    if (next <= prev + 1) return;
    const uint64_t missed = next - prev - 1;
    skipped_ += missed;
    log(
        fmt::format("seq {}..{} ({} events) left the journal (retention) before they could be "
                    "exported; skipped",
                    prev + 1, next - 1, missed));
}

void Sink::send_ready() {
    std::string key;
    std::vector<Pending> burst;
    while (true) {
        burst.clear();
        {  // one lock per burst, not per event: the ack thread takes it for every PubAck
            std::lock_guard lock(mu_);
            if (rewind_ || !dest_->ready() || Clock::now() < resume_at_) return;
            while (!queue_.empty() && flight_.size() < opts_.max_in_flight) {
                burst.push_back(std::move(queue_.front()));
                queue_.pop_front();
                flight_.push_back(Pending{burst.back().seq, burst.back().recorded_ns, {}, {}, {}});
            }
        }
        if (burst.empty()) return;
        for (const Pending& p : burst) {
            key.assign(instance_id_).push_back(':');
            fmt::format_to(std::back_inserter(key), "{}", p.seq);
            SinkError err;
            if (!dest_->send(
                    SinkEvent{p.seq, host_, p.type, p.category, p.json, key, p.recorded_ns}, err))
                failed(p.seq, std::move(err));
        }
    }
}

uint64_t Sink::cursor_locked() const {
    if (!flight_.empty()) return flight_.front().seq - 1;
    if (!queue_.empty()) return queue_.front().seq - 1;
    return read_upto_;
}

void Sink::pop_acked_locked() {
    while (!flight_.empty() && flight_.front().acked) flight_.pop_front();
}

void Sink::acked(uint64_t seq) {
    bool wake = false;
    {
        std::lock_guard lock(mu_);
        auto it = std::lower_bound(flight_.begin(), flight_.end(), seq,
                                   [](const Pending& p, uint64_t s) { return p.seq < s; });
        if (it == flight_.end() || it->seq != seq || it->acked) return;  // after a rewind
        it->acked = true;
        it->failed = false;
        ++exported_;
        failing_ = false;
        rewind_backoff_ = std::chrono::milliseconds(50);
        const size_t before = flight_.size(), low = opts_.max_in_flight * 3 / 4;
        pop_acked_locked();
        // Wake the sender once a quarter of the window is free (it then sends a burst, not one
        // event per wake-up), and when nothing is left in flight.
        wake = (before > low && flight_.size() <= low) || flight_.empty();
    }
    if (wake) cv_.notify_all();
    if (opts_.on_ack) opts_.on_ack(seq);
}

void Sink::failed(uint64_t seq, SinkError err) {
    {
        std::lock_guard lock(mu_);
        auto it = std::lower_bound(flight_.begin(), flight_.end(), seq,
                                   [](const Pending& p, uint64_t s) { return p.seq < s; });
        if (it != flight_.end() && it->seq == seq && !it->acked) it->failed = true;
        rewind_ = true;
        note_failure(err);
    }
    cv_.notify_all();
}

void Sink::attempt_failed(SinkError err, size_t resent) {
    std::lock_guard lock(mu_);
    retries_ += resent;
    note_failure(err);
}

void Sink::connection(bool up, std::string_view message) {
    {
        std::lock_guard lock(mu_);
        connected_ = up;
        if (!up)
            note_failure(SinkError{Cause::disconnected, std::string(message)});
        else
            log(fmt::format("reconnected: {}", message));
    }
    cv_.notify_all();
}

void Sink::note_failure(const SinkError& err) {
    ++failures_[static_cast<size_t>(err.cause)];
    const auto now = Clock::now();
    if (!failing_) failing_since_ = now;
    failing_ = true;
    last_error_ = fmt::format("{}: {}", kCauseNames[static_cast<size_t>(err.cause)], err.message);
    if (err.cause == logged_cause_ && now - logged_at_ < std::chrono::seconds(10)) {
        ++suppressed_;
        return;
    }
    std::string more =
        suppressed_ ? fmt::format(" ({} more failures since the last log)", suppressed_) : "";
    log(last_error_ + more);
    logged_cause_ = err.cause;
    logged_at_ = now;
    suppressed_ = 0;
}

void Sink::store_cursor(bool force) {
    uint64_t cursor;
    {
        std::lock_guard lock(mu_);
        cursor = cursor_locked();
        if (cursor == stored_cursor_) return;
        if (!force && Clock::now() - last_store_ < opts_.cursor_interval) return;
        last_store_ = Clock::now();
    }
    std::string error;
    if (!cursor_file_.store(cursor, error)) {
        log(fmt::format("cannot store the cursor: {}", error));
        return;
    }
    std::lock_guard lock(mu_);
    stored_cursor_ = cursor;
}

bool Sink::drained() {
    const uint64_t durable = stream_.durable_seq();
    std::lock_guard lock(mu_);
    return flight_.empty() && queue_.empty() && read_upto_ >= durable;
}

SinkStatus Sink::status() const {
    const uint64_t durable = stream_.durable_seq();
    std::lock_guard lock(mu_);
    SinkStatus s;
    s.name = opts_.name;
    s.cursor = cursor_locked();
    s.exported = exported_;
    s.retries = retries_;
    s.skipped = skipped_;
    s.failures = failures_;
    s.lag_events = durable > s.cursor ? durable - s.cursor : 0;
    uint64_t oldest = 0;  // the oldest unacknowledged event's recorded time
    for (const auto* d : {&flight_, &queue_})
        if (!d->empty() && !oldest) oldest = d->front().recorded_ns;
    if (s.lag_events && oldest)
        s.lag_seconds = double(std::max<int64_t>(0, int64_t(wall_now_ns() - oldest))) / 1e9;
    s.connected = opened_ && connected_;
    if (failing_)
        s.failing_seconds = std::chrono::duration<double>(Clock::now() - failing_since_).count();
    s.unhealthy = failing_ && s.failing_seconds > opts_.unhealthy_after_seconds;
    s.last_error = last_error_;
    return s;
}

}  // namespace faultline::hub::sinks
