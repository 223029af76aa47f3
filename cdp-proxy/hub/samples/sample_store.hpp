// The hub's memory samples (POST /telemetry/samples): the last hour in memory, bounded by time
// and by count, and the latest sample for /metrics. Samples are not events: nothing here touches
// the ring, the journal, the stream or the sinks. Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "faultline/memory_sample.hpp"

namespace faultline::hub {

struct SampleStoreOptions {
    int64_t window_ms = 3600 * 1000;  // samples older than this (hub wall clock) expire
    size_t capacity = 4096;           // an hour at one sample a second, with room to spare
    size_t max_origins = 8;           // distinct (host, scope, cgroup) kept at once
};

class SampleStore {
  public:
    explicit SampleStore(SampleStoreOptions opt = {});

    // Stores s, received at now_ms (the hub's wall clock), and expires what fell out of the
    // window. Over capacity the oldest sample goes; a new origin beyond max_origins evicts the
    // samples of the origin heard from least recently.
    void add(const MemorySample& s, int64_t now_ms);
    // The samples with ts_ms > since_ms that are still within the window at now_ms, oldest
    // first.
    std::vector<MemorySample> since(int64_t since_ms, int64_t now_ms) const;
    // The sample received last (kept even once it expired: /metrics shows its age).
    std::optional<MemorySample> latest() const;

    size_t size() const;
    // What the store holds on the heap plus itself: its buffer's capacity, the origin strings.
    size_t memory_bytes() const;

    struct Stats {
        uint64_t received = 0, expired = 0, evicted = 0;  // evicted: over capacity or origins
    };
    Stats stats() const;

  private:
    struct Entry {  // one sample without its strings (those are in origins_)
        int64_t ts_ms;
        int64_t kb[4];              // mem total, mem available, swap total, swap free
        double psi_some, psi_full;  // NaN = unknown
        uint32_t origin;
    };
    struct Origin {
        std::string host, scope, cgroup;
        int64_t last_heard_ms = 0;
    };

    const Entry& at(size_t i) const { return buf_[(head_ + i) % buf_.size()]; }
    void pop_front();
    uint32_t origin_of(const MemorySample& s, int64_t now_ms);
    void drop_origin(uint32_t index);
    MemorySample expand(const Entry& e) const;

    SampleStoreOptions opt_;
    mutable std::mutex mu_;
    std::vector<Entry> buf_;  // a ring of opt_.capacity, allocated with the first sample
    size_t head_ = 0, count_ = 0;
    std::vector<Origin> origins_;
    std::optional<MemorySample> latest_;
    Stats stats_;
};

}  // namespace faultline::hub
