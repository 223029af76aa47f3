// A sink's state as /metrics and /healthz show it, and their rendering.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "hub/sinks/destination.hpp"

namespace faultline::hub::sinks {

struct SinkStatus {
    std::string name;
    uint64_t cursor = 0;    // newest seq acknowledged with everything before it
    uint64_t exported = 0;  // events the destination acknowledged (duplicates included)
    uint64_t retries = 0;   // events sent again after a failure
    uint64_t skipped = 0;   // events gone from the journal before they could be exported
    std::array<uint64_t, kCauses> failures{};
    uint64_t lag_events = 0;  // durable events not yet acknowledged
    double lag_seconds = 0;   // age of the oldest of them
    bool connected = false;
    double failing_seconds = 0;  // since the first failure not followed by an ack; 0 = healthy
    bool unhealthy = false;      // failing longer than the sink's threshold
    std::string last_error;
};

// Prometheus text for every sink (nothing when there are none).
std::string render_sink_metrics(const std::vector<SinkStatus>& sinks);
// A JSON array of the unhealthy sinks: [{"sink":..,"failing_seconds":..,"error":..}].
std::string render_unhealthy_sinks(const std::vector<SinkStatus>& sinks);

}  // namespace faultline::hub::sinks
