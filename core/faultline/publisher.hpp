// The producer side of "nothing is lost between processes": a bounded outbox drained by one
// background thread that POSTs NDJSON batches to the hub, retrying with exponential backoff and
// jitter until the hub answers. Every event carries an idempotency id
// "<producer>-<instance>:<n>", so a retried batch is stored once. publish() never blocks on the
// network; when the outbox is full the oldest event is dropped and the exact count is reported
// as an events_dropped event in the next delivered batch.
#pragma once

#include <malloc.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <mutex>
#include <random>
#include <string>
#include <thread>

#include "event.hpp"
#include "http_client.hpp"
#include "log.hpp"
#include "outbox.hpp"

namespace faultline {

// Call first thing in main(): one malloc arena for the whole process. A producer's few threads
// hardly contend, and malloc_trim (which the publisher calls after a burst drains) can only give
// back the top of the main arena, not of per-thread arenas.
inline void use_single_malloc_arena() {
#ifdef M_ARENA_MAX
    mallopt(M_ARENA_MAX, 1);
#endif
}

struct PublisherOptions {
    std::string hub_url = "http://127.0.0.1:10001";
    std::string producer = "faultline";  // first part of every event id
    std::string token;                   // sent as "Authorization: Bearer" when set
    size_t capacity = 4096;              // outbox size in events
    size_t max_batch = 256;              // events per POST
    // Bytes per POST; a batch also stays within one outbox chunk (64 KiB) unless one event is
    // larger.
    size_t max_batch_bytes = 512 * 1024;
    std::chrono::milliseconds backoff_min{100};
    std::chrono::milliseconds backoff_max{5000};
    std::chrono::milliseconds timeout{3000};  // connect and read timeout of one POST
    LogFn log = null_log();                   // main injects stderr_log("<program>")
};

struct PublisherStats {
    uint64_t published = 0;  // accepted by publish()
    uint64_t delivered = 0;  // acknowledged by the hub (duplicates included)
    uint64_t dropped = 0;    // lost to a full outbox
    uint64_t rejected = 0;   // refused by the hub with a 4xx (will not be retried)
    uint64_t retries = 0;    // failed POST attempts
    size_t queued = 0;       // in the outbox now
};

class Publisher {
  public:
    explicit Publisher(PublisherOptions opts)
        : opts_(std::move(opts)),
          instance_(random_instance()),
          valid_(parse_http_url(opts_.hub_url, url_, url_error_)),
          client_(url_, opts_.timeout, opts_.token) {
        worker_ = std::thread([this] { run(); });
    }

    ~Publisher() {
        {
            std::lock_guard lock(mu_);
            stopping_ = true;
        }
        cv_.notify_all();
        worker_.join();
    }

    Publisher(const Publisher&) = delete;
    Publisher& operator=(const Publisher&) = delete;

    // False when the hub URL cannot be used (the constructor still succeeded); url_error() says
    // why.
    bool valid() const { return valid_; }
    const std::string& url_error() const { return url_error_; }
    const std::string& instance() const { return instance_; }

    // Queues e with a fresh id (kept if the caller set one). Never waits for the network.
    void publish(Event e) {
        {
            std::lock_guard lock(mu_);
            if (e.id.empty()) e.id = next_id_locked();
            ++stats_.published;
            if (outbox_.size() >= opts_.capacity) {
                ++stats_.dropped;
                ++unreported_drops_;
                // Drop the oldest event not already in a POST; if all are, drop this one.
                if (outbox_.size() == in_flight_count_) return;
                outbox_.erase(in_flight_count_);
            }
            outbox_.push(encode_event(e));
        }
        cv_.notify_all();
    }

    // Tries to deliver everything queued before deadline. True when the outbox is empty.
    bool flush(std::chrono::steady_clock::time_point deadline) {
        std::unique_lock lock(mu_);
        flush_requested_ = true;
        cv_.notify_all();
        bool done = cv_.wait_until(lock, deadline, [&] { return idle_locked(); });
        flush_requested_ = false;
        return done;
    }

    PublisherStats stats() const {
        std::lock_guard lock(mu_);
        PublisherStats s = stats_;
        s.queued = outbox_.size();
        return s;
    }

  private:
    static std::string random_instance() {
        std::random_device rd;
        return fmt::format("{:08x}", rd());
    }

    std::string next_id_locked() {
        return fmt::format("{}-{}:{}", opts_.producer, instance_, ++n_);
    }

    bool idle_locked() const {
        return outbox_.empty() && drop_report_.empty() && !unreported_drops_ && !in_flight_;
    }

    // Builds the events_dropped report for drops not yet reported (kept until delivered).
    void prepare_drop_report_locked() {
        if (!drop_report_.empty() || unreported_drops_ == 0) return;
        Event e = make_event(
            "events_dropped",
            JsonObject().add("count", unreported_drops_).add("reason", "outbox_full").finish(),
            Source{opts_.producer, "", "publisher", std::nullopt});
        e.id = next_id_locked();
        drop_report_ = encode_event(e);
        unreported_drops_ = 0;
    }

    // The next batch: a view of up to max_batch events in the outbox (they leave it only once
    // acknowledged), copied into scratch only when a drop report has to go first.
    std::string_view take_batch_locked(size_t& count, std::string& scratch) {
        std::string_view batch = outbox_.front_batch(opts_.max_batch, opts_.max_batch_bytes, count);
        if (drop_report_.empty()) return batch;
        scratch.assign(drop_report_).append("\n").append(batch);
        return scratch;
    }

    void run() {
        std::unique_lock lock(mu_);
        auto backoff = opts_.backoff_min;
        while (true) {
            cv_.wait(lock, [&] { return stopping_ || !outbox_.empty() || unreported_drops_; });
            if (stopping_) return;
            prepare_drop_report_locked();
            size_t count = 0;
            std::string scratch;
            std::string_view body = take_batch_locked(count, scratch);
            in_flight_ = true;
            in_flight_count_ = count;
            lock.unlock();
            int status = post(body);
            lock.lock();
            in_flight_ = false;
            in_flight_count_ = 0;
            if (status >= 200 && status < 500) {
                finish_batch_locked(count, status);
                backoff = opts_.backoff_min;
                cv_.notify_all();
                if (idle_locked()) {
                    lock.unlock();
                    release_free_memory();
                    lock.lock();
                }
                continue;
            }
            ++stats_.retries;
            // Wait with jitter, or until asked to flush or stop.
            auto delay = jittered(backoff);
            backoff = std::min(backoff * 2, opts_.backoff_max);
            cv_.wait_for(lock, delay, [&] { return stopping_ || flush_requested_; });
            if (stopping_) return;
        }
    }

    void finish_batch_locked(size_t count, int status) {
        const bool ok = status < 300;
        if (ok)
            stats_.delivered += count;
        else {
            stats_.rejected += count;
            opts_.log(fmt::format("publisher: hub refused a batch of {} events with HTTP {}: {}",
                                  count, status, last_body_));
        }
        drop_report_.clear();
        outbox_.pop_front(count);
    }

    // After a burst drains, hands the freed heap back to the kernel, so a producer's resident
    // memory returns to its idle size instead of staying at its peak.
    static void release_free_memory() {
#ifdef __GLIBC__
        malloc_trim(0);
#endif
    }

    std::chrono::milliseconds jittered(std::chrono::milliseconds d) {
        std::uniform_real_distribution<double> dist(0.5, 1.0);
        return std::chrono::milliseconds(static_cast<long>(d.count() * dist(rng_)));
    }

    // POSTs one batch; returns the HTTP status, or 0 when the hub could not be reached.
    int post(std::string_view body) {
        HttpResult res = valid_ ? client_.post("/telemetry/events", body, "application/x-ndjson")
                                : HttpResult{.status = 0, .body = {}, .error = url_error_};
        if (res.status == 0) {
            if (!unreachable_logged_)
                opts_.log(fmt::format("publisher: hub {} unreachable ({}); retrying", opts_.hub_url,
                                      res.error));
            unreachable_logged_ = true;
            return 0;
        }
        if (unreachable_logged_)
            opts_.log(fmt::format("publisher: hub {} reachable again", opts_.hub_url));
        unreachable_logged_ = false;
        last_body_ = std::move(res.body);
        return res.status;
    }

    PublisherOptions opts_;
    std::string instance_;
    HttpUrl url_;
    std::string url_error_;
    bool valid_;
    HttpClient client_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    Outbox outbox_;            // encoded events, oldest first
    std::string drop_report_;  // encoded events_dropped awaiting delivery
    uint64_t unreported_drops_ = 0;
    uint64_t n_ = 0;
    PublisherStats stats_;
    size_t in_flight_count_ = 0;  // outbox events (from the front) inside the current POST
    bool stopping_ = false, flush_requested_ = false, in_flight_ = false;
    bool unreachable_logged_ = false;
    std::string last_body_;
    std::mt19937 rng_{std::random_device{}()};
    std::thread worker_;
};

}  // namespace faultline
