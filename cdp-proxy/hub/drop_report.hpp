// The fields of an events_dropped event that the hub reads: ingest (a producer may send one
// only with reason outbox_full) and the event log (which counts the loss in its metrics).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "faultline/event.hpp"

namespace faultline::hub {

struct DropReport {
    std::string reason;
    uint64_t count = 0;  // 0 when absent
};

// Read from the decoded (canonical) data of an events_dropped; nullopt for other types, which
// are never parsed.
std::optional<DropReport> drop_report(const Event& e);

}  // namespace faultline::hub
