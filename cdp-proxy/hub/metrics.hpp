// The hub's counters and their Prometheus text rendering (GET /metrics). Counters are atomics
// updated from any thread; gauges are sampled at render time.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "faultline/schema.hpp"
#include "hub/store/journal.hpp"

namespace faultline::hub {

inline constexpr size_t kMaxEventTypes = 64;

// Gauges sampled when /metrics is rendered.
struct MetricsSnapshot {
    uint64_t ring_events = 0, ring_capacity = 0, last_seq = 0;
    uint64_t sse_subscribers = 0, sse_max_subscribers = 0;
    bool capture_active = false;
    bool journal_enabled = false;
    JournalStats journal;
};

class Metrics {
  public:
    // An event was accepted (not a duplicate); recorded tells whether it entered the stream.
    void ingested(std::string_view type, std::string_view category, bool recorded);
    void duplicates(uint64_t n) { duplicates_ += n; }
    // Events lost, by reason: reader_behind, outbox_full or expired.
    void dropped(std::string_view reason, uint64_t n);
    void rejected(int status) { ++rejected_[status_index(status)]; }
    void sse_rejected() { ++sse_rejected_; }
    void sse_opened() { ++sse_opened_; }
    // An in-process event was not recorded: no reserved seq left (seq.reserve not writable).
    void unsequenced() { ++unsequenced_; }
    // An in-process event did not match the schema (a bug in its producer; it is kept).
    void schema_violation() { ++schema_violations_; }

    // Renders everything in Prometheus text exposition format 0.0.4.
    std::string render(const MetricsSnapshot& s) const;

  private:
    static size_t status_index(int status);
    static size_t category_index(std::string_view c);

    std::array<std::atomic<uint64_t>, kMaxEventTypes> ingested_{};
    std::array<std::atomic<uint64_t>, kCategories.size()> recorded_{}, not_recorded_{};
    std::array<std::atomic<uint64_t>, 3> dropped_{};   // kDropReasons order
    std::array<std::atomic<uint64_t>, 5> rejected_{};  // 400, 403, 413, 503, other
    std::atomic<uint64_t> duplicates_{0}, sse_rejected_{0}, sse_opened_{0}, unsequenced_{0},
        schema_violations_{0};
};

}  // namespace faultline::hub
