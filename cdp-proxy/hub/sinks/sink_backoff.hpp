// Retry delays of the HTTP sinks: exponential from `first` up to `cap`, with full jitter so a
// fleet of hubs that lost the same destination does not come back in lockstep.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <random>
#include <thread>

namespace faultline::hub::sinks {

class SinkBackoff {
  public:
    using ms = std::chrono::milliseconds;
    explicit SinkBackoff(ms first = ms(100), ms cap = ms(2000)) : first_(first), cap_(cap) {}

    // The next delay: uniform in [ceiling/2, ceiling], ceiling doubling per failure up to cap.
    ms next() {
        const int64_t ceiling =
            std::min<int64_t>(cap_.count(), first_.count() << std::min(attempt_, 20));
        ++attempt_;
        std::uniform_int_distribution<int64_t> pick(ceiling / 2, ceiling);
        return ms(pick(rng_));
    }
    void reset() { attempt_ = 0; }
    int attempts() const { return attempt_; }

  private:
    ms first_, cap_;
    int attempt_ = 0;
    std::minstd_rand rng_{std::random_device{}()};
};

// Sleeps for d, or less once stop is set (checked every 20 ms).
inline void sleep_unless_stopped(const std::atomic<bool>& stop, std::chrono::milliseconds d) {
    const auto until = std::chrono::steady_clock::now() + d;
    while (!stop && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(
            std::min<std::chrono::milliseconds>(d, std::chrono::milliseconds(20)));
}

}  // namespace faultline::hub::sinks
