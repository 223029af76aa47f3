// OpenTelemetry severity of an event: ERROR for the failures themselves, WARN for what fails
// softly or warns of a failure, INFO for everything else.
#pragma once

#include <string_view>

namespace faultline::hub::sinks::otlp {

struct Severity {
    int number;             // SeverityNumber: INFO 9, WARN 13, ERROR 17
    std::string_view text;  // "INFO", "WARN", "ERROR"
};

inline constexpr Severity kInfo{9, "INFO"}, kWarn{13, "WARN"}, kError{17, "ERROR"};

// level: data.level of memory_pressure; reason: data.reason of cdp_disconnect (else empty).
Severity severity_of(std::string_view type, std::string_view level, std::string_view reason);

}  // namespace faultline::hub::sinks::otlp
