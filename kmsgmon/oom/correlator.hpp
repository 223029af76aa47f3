// Joins the kernel lines of one OOM kill into one report: the trigger line ("invoked
// oom-killer"), the "oom-kill:" summary and the "Killed process" line, which completes it.
// Only records of the kernel facility count: any root process may write to /dev/kmsg.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "oom/kmsg_record.hpp"
#include "oom/parser.hpp"

namespace faultline::kmsgmon {

struct OomKill {
    OomKilled killed;
    std::optional<OomInvoked> trigger;        // absent when its line was not seen
    std::optional<OomConstraint> constraint;  // absent before kernel 4.19 or when not seen
    uint64_t kernel_seq = 0;                  // of the "Killed process" record
    uint64_t kernel_ts_us = 0;
    std::string message;  // the raw "Killed process" line
};

class OomCorrelator {
  public:
    // Lines older than this (kernel time) are not joined to a later kill.
    static constexpr uint64_t kMaxSpanUs = 60'000'000;

    // Feeds one record. Returns the kill it completes (exactly one per "Killed process" line
    // of the kernel), or nullopt for every other record.
    std::optional<OomKill> feed(const KmsgRecord& record);

  private:
    template <class T>
    std::optional<T> take_recent(std::optional<T>& slot, uint64_t slot_ts, uint64_t now_ts);

    std::optional<OomInvoked> trigger_;
    std::optional<OomConstraint> constraint_;
    uint64_t trigger_ts_ = 0, constraint_ts_ = 0;
};

}  // namespace faultline::kmsgmon
