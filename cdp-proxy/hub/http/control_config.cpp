#include "hub/http/control_config.hpp"

#include <simdjson.h>

#include "faultline/json_writer.hpp"

namespace faultline::hub {

std::vector<std::string> default_excluded_methods() {
    return {"Browser.getVersion",        "Target.getTargets",        "Performance.getMetrics",
            "Runtime.getHeapUsage",      "Page.getLayoutMetrics",    "Page.screencastFrameAck",
            "Page.getNavigationHistory", "SystemInfo.getProcessInfo"};
}

bool parse_excluded_methods(simdjson::dom::element control,
                            std::optional<std::vector<std::string>>& out, std::string& error) {
    simdjson::dom::element cdp, list;
    if (control["cdp"].get(cdp) || cdp["excluded_methods"].get(list)) return true;
    simdjson::dom::array arr;
    if (list.get_array().get(arr)) {
        error = "control.cdp.excluded_methods must be an array of CDP method names";
        return false;
    }
    std::vector<std::string> methods;
    for (auto v : arr) {
        std::string_view m;
        if (v.get_string().get(m) || m.empty() || m.size() > 128) {
            error = "control.cdp.excluded_methods must hold method names like \"Page.navigate\"";
            return false;
        }
        methods.emplace_back(m);
    }
    out = std::move(methods);
    return true;
}

std::string excluded_methods_json(const std::vector<std::string>& methods) {
    return JsonObject().add("excluded_methods", methods).finish();
}

}  // namespace faultline::hub
