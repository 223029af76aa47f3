#include "hub/sinks/otlp/severity.hpp"

namespace faultline::hub::sinks::otlp {

Severity severity_of(std::string_view type, std::string_view level, std::string_view reason) {
    if (type == "system_oom_kill" || type == "service_crashed" || type == "page_crashed" ||
        type == "console_error")
        return kError;
    if (type == "memory_pressure")
        return level == "critical" ? kError : level == "warning" ? kWarn : kInfo;
    if (type.ends_with("_failed")) return kWarn;
    if (type == "cdp_disconnect" && reason == "upstream_error") return kWarn;
    return kInfo;
}

}  // namespace faultline::hub::sinks::otlp
