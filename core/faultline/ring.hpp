// A fixed-capacity ring of events with process-monotonic sequence numbers.
//
// publish() assigns the next seq and inserts under one short lock, so concurrent publishers
// never insert out of order; it is O(1) and never waits for a reader. Readers keep their own
// cursor ("everything after seq N") and learn exactly how many events they missed when the
// ring overwrote them.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <vector>

namespace faultline {

template <class T>
class Ring {
  public:
    struct ReadResult {
        uint64_t missed = 0;       // events after the cursor that were overwritten before reading
        uint64_t missed_from = 0;  // first missed seq (valid when missed > 0)
        uint64_t next_after = 0;   // the cursor to pass to the next read
    };

    // first_seq: the seq the next publish gets (continues a journal across restarts).
    explicit Ring(size_t capacity, uint64_t first_seq = 1)
        : slots_(std::max<size_t>(capacity, 1)), last_(first_seq - 1), base_(first_seq - 1) {}

    Ring(const Ring&) = delete;
    Ring& operator=(const Ring&) = delete;

    // Assigns the next seq, stores make(seq) and wakes waiting readers. Returns the seq.
    template <class Make>
    uint64_t publish(Make&& make) {
        uint64_t seq;
        {
            std::lock_guard lock(mu_);
            seq = ++last_;
            slots_[seq % slots_.size()] = make(seq);
        }
        cv_.notify_all();
        return seq;
    }

    // Appends events with seq > after (at most max) to out.
    ReadResult read_after(uint64_t after, size_t max, std::vector<T>& out) const {
        std::lock_guard lock(mu_);
        ReadResult r;
        const uint64_t oldest = oldest_locked();
        uint64_t s = after + 1;
        if (s < oldest) {
            r.missed = oldest - s;
            r.missed_from = s;
            s = oldest;
        }
        for (size_t n = 0; s <= last_ && n < max; ++s, ++n)
            out.push_back(slots_[s % slots_.size()]);
        r.next_after = s - 1;
        return r;
    }

    // Waits until an event with seq > after exists, the timeout passes, or close() is called.
    // Returns true when such an event exists.
    template <class Rep, class Period>
    bool wait_after(uint64_t after, std::chrono::duration<Rep, Period> timeout) const {
        std::unique_lock lock(mu_);
        cv_.wait_for(lock, timeout, [&] { return last_ > after || closed_; });
        return last_ > after;
    }

    // Wakes every waiter; later waits return at once.
    void close() {
        {
            std::lock_guard lock(mu_);
            closed_ = true;
        }
        cv_.notify_all();
    }

    uint64_t last_seq() const {
        std::lock_guard lock(mu_);
        return last_;
    }
    // Oldest seq still held (last_seq()+1 when empty).
    uint64_t oldest_seq() const {
        std::lock_guard lock(mu_);
        return oldest_locked();
    }
    size_t size() const {
        std::lock_guard lock(mu_);
        return static_cast<size_t>(last_ + 1 - oldest_locked());
    }
    size_t capacity() const { return slots_.size(); }

  private:
    uint64_t oldest_locked() const {
        const uint64_t held = std::min<uint64_t>(last_ - base_, slots_.size());
        return last_ + 1 - held;
    }

    mutable std::mutex mu_;
    mutable std::condition_variable cv_;
    std::vector<T> slots_;
    uint64_t last_;  // seq of the newest event (base_ when empty)
    uint64_t base_;  // seq before the first event this ring ever held
    bool closed_ = false;
};

}  // namespace faultline
