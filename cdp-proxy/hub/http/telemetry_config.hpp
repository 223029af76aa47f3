// The configuration API of the system faultline replaces (its telemetry spec, §4.2), mapped onto
// capture sessions: GET /telemetry, PUT /telemetry, PATCH /telemetry with
// {"browser":{"<category>":{"enabled":true},...}}. PUT is opt-in (exactly the categories whose
// enabled is true; no body or no "browser" = the default set), 201 when it starts a session and
// 200 when it changes one; PATCH merges (404 when no session); a set with nothing left ends the
// session. Unknown categories are ignored (forward compatibility). seq never resets.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace faultline::hub {

// The categories of PUT/PATCH's default set (no "browser" object).
std::vector<std::string> default_telemetry_categories();

struct TelemetryPatch {
    bool has_browser = false;                  // the body had a "browser" object
    std::vector<std::string> enable, disable;  // categories set true / false explicitly
    std::optional<std::vector<std::string>> excluded_methods;  // control.cdp (control_config)
};

// Parses a PUT/PATCH body ("" = no body). Returns false with error for invalid JSON or a
// "browser" that is not an object.
bool parse_telemetry_body(std::string_view body, TelemetryPatch& out, std::string& error);

// PUT: the categories to capture. PATCH: current merged with the patch.
std::vector<std::string> put_categories(const TelemetryPatch& p);
std::vector<std::string> patch_categories(std::vector<std::string> current,
                                          const TelemetryPatch& p);

// {"config":{"browser":{...every category but monitor...}},"seq":N[,"applied_at":...,
// "capture_session_id":...]}; system and cdp always show enabled (they are always recorded).
std::string telemetry_state_json(const std::vector<std::string>& categories, uint64_t seq,
                                 std::optional<int64_t> applied_at_ms,
                                 const std::string& session_id,
                                 const std::vector<std::string>* excluded_methods = nullptr);

}  // namespace faultline::hub
