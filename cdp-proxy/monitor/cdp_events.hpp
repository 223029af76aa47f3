// Maps CDP event parameters (simdjson DOM) to our snake_case event data. Pure: no I/O, no
// state beyond what the caller passes; each function returns the data object's JSON text.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "faultline/json_writer.hpp"
#include "monitor/nav_state.hpp"

namespace faultline::monitor {

using simdjson::dom::object;

// A JsonObject that starts with the navigation context fields.
JsonObject context_object(const NavContext& c);

// The string field of o, or "" when absent or not a string.
std::string_view str(object o, std::string_view key);
int64_t int_or(object o, std::string_view key, int64_t missing);
double num_or(object o, std::string_view key, double missing);
bool bool_or(object o, std::string_view key, bool missing);

// A CDP RemoteObject as text: strings unquoted, other values as JSON, else its description,
// else its type ("undefined").
std::string render_remote_object(simdjson::dom::element arg);

// Runtime.consoleAPICalled -> (type, data): console_error for console.error, else console_log.
std::pair<std::string_view, std::string> console_api_called(const NavContext& c, object params);
// Runtime.exceptionThrown -> console_error data.
std::string exception_thrown(const NavContext& c, object params);

// What the monitor remembers of a request between requestWillBeSent and loadingFinished.
struct RequestInfo {
    std::string method, url, resource_type, frame_id, loader_id, session_id;
    int64_t nav_seq = 0;
    double sent_timestamp = 0;  // CDP seconds
    int64_t started_ms = 0;     // monitor's steady clock, for the TTL sweep
    // From responseReceived:
    bool have_response = false;
    int64_t status = 0;
    std::string status_text, mime_type, headers_json, timing_json;
};

// Credentials never enter the stream: the values of these headers (Cookie, Set-Cookie,
// Authorization, Proxy-Authorization, API keys and tokens; any case) are replaced by kRedacted.
inline constexpr std::string_view kRedacted = "[redacted]";
bool is_credential_header(std::string_view name);
// The headers object o[key] as JSON with credential values redacted ("" when absent).
std::string redacted_headers(object o, std::string_view key);

// Network.requestWillBeSent -> network_request data (redirect_from: the previous URL of a hop).
std::string network_request(NavContext c, object params, const std::string* redirect_from);
// Network.responseReceived: fills the response part of info.
void response_received(RequestInfo& info, object params);
// Network.loadingFinished -> network_response data (body: captured text, if any).
std::string network_response(NavContext c, const RequestInfo& info, object finished,
                             const std::string* body, bool body_truncated);
// Network.loadingFailed -> network_loading_failed data (info: the request, when it was known).
std::string loading_failed(NavContext c, object params, const RequestInfo* info);

// Page.frameNavigated frame -> page_navigation data.
std::string page_navigation(const NavContext& c, object frame, bool top_level);
// PerformanceTimeline.timelineEventAdded -> (type, data), or nullopt for other event types.
std::optional<std::pair<std::string_view, std::string>> timeline_event(const NavContext& c,
                                                                       object params);

// The stack trace of a console message or exception as "fn url:line:col" lines.
void add_stack(JsonObject& o, object params_or_details);

}  // namespace faultline::monitor
