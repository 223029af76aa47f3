// The control category's own setting in PUT/PATCH /telemetry (issue 24):
// {"browser":{"control":{"enabled":true,"cdp":{"excluded_methods":["Performance.getMetrics"]}}}}
// names the CDP methods left out of cdp_command (as the replaced system's config does). Without
// it the default leaves out the methods clients poll.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace simdjson::dom {
class element;
}

namespace faultline::hub {

// The methods clients poll (health checks, metrics, screencast acks): left out by default.
std::vector<std::string> default_excluded_methods();

// Reads control.cdp.excluded_methods from the "browser" object's "control" value. nullopt when
// absent; false with error when present but not an array of strings.
bool parse_excluded_methods(simdjson::dom::element control,
                            std::optional<std::vector<std::string>>& out, std::string& error);

// {"excluded_methods":[...]} for GET /telemetry's control entry.
std::string excluded_methods_json(const std::vector<std::string>& methods);

}  // namespace faultline::hub
