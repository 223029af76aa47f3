// Which supervisord events are crashes, and the service_crashed data they become.
// PROCESS_STATE_EXITED with expected:0 is a crash; PROCESS_STATE_FATAL (supervisord gave up
// restarting) is a fatal crash; everything else is skipped.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace faultline::shim {

struct Crash {
    std::string service_name;    // processname
    std::string group_name;      // groupname
    std::string from_state;      // RUNNING, STARTING, BACKOFF, ...
    std::optional<int64_t> pid;  // absent for FATAL (no process is left)
    bool fatal = false;
};

struct Mapping {
    enum class Kind { crash, skip, malformed };
    Kind kind = Kind::skip;
    Crash crash;         // set when kind == crash
    std::string reason;  // why it was skipped or is malformed (for the log)
};

// Maps one event (its eventname and payload) to a crash, a skip, or malformed. The payload's
// token part is everything before its first '\n'. Never throws; bad payloads are malformed
// with a reason.
Mapping map_event(std::string_view eventname, std::string_view payload);

// The service_crashed data object for `c` (one line of JSON).
std::string crash_data_json(const Crash& c);

}  // namespace faultline::shim
