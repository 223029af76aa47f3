#include "oom/correlator.hpp"

namespace faultline::kmsgmon {

template <class T>
std::optional<T> OomCorrelator::take_recent(std::optional<T>& slot, uint64_t slot_ts,
                                            uint64_t now_ts) {
    std::optional<T> out;
    if (slot && now_ts >= slot_ts && now_ts - slot_ts <= kMaxSpanUs) out = std::move(slot);
    slot.reset();
    return out;
}

std::optional<OomKill> OomCorrelator::feed(const KmsgRecord& record) {
    if (!record.from_kernel()) return std::nullopt;
    OomLine line = parse_oom_line(record.message);
    if (auto* t = std::get_if<OomInvoked>(&line)) {
        trigger_ = std::move(*t);
        trigger_ts_ = record.ts_us;
        constraint_.reset();  // a new OOM episode starts
    } else if (auto* c = std::get_if<OomConstraint>(&line)) {
        constraint_ = std::move(*c);
        constraint_ts_ = record.ts_us;
    } else if (auto* k = std::get_if<OomKilled>(&line)) {
        OomKill kill;
        kill.killed = std::move(*k);
        kill.trigger = take_recent(trigger_, trigger_ts_, record.ts_us);
        kill.constraint = take_recent(constraint_, constraint_ts_, record.ts_us);
        // The summary names its victim: never join it to another process's kill.
        if (kill.constraint && kill.constraint->pid && *kill.constraint->pid != kill.killed.pid)
            kill.constraint.reset();
        kill.kernel_seq = record.seq;
        kill.kernel_ts_us = record.ts_us;
        kill.message = record.message;
        return kill;
    }
    return std::nullopt;
}

}  // namespace faultline::kmsgmon
