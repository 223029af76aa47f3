// The JSON error body every refused telemetry API request carries.
#pragma once

#include <httplib.h>

#include <cstddef>
#include <string>

namespace faultline::hub {

// Typed, not a plain error string: the HTTP answer's status and body name the line and field.
struct IngestError {
    int status = 400;
    std::string message;
    size_t line = 0;    // 1-based line of the body; 0 when not about one line
    std::string field;  // "type", "data.pid", ...; empty when not about one field
};

// {"error":...,"line":...,"field":...} (line and field null when they do not apply).
std::string error_json(const IngestError& err);

// Answers status with that body (field names the offending field or parameter, if any).
void send_error(httplib::Response& res, int status, std::string message, std::string field = {});

}  // namespace faultline::hub
