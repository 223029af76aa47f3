#include "hub/http/telemetry_config.hpp"

#include <simdjson.h>

#include <algorithm>

#include "faultline/clock.hpp"
#include "faultline/json_writer.hpp"
#include "faultline/schema.hpp"
#include "hub/http/control_config.hpp"

namespace faultline::hub {

namespace {

bool configurable(std::string_view c) {
    return is_known_category(c) && c != "monitor";  // monitor rides along, never configured
}

bool has(const std::vector<std::string>& v, std::string_view s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

// The replaced system's default set (control, connection, system, captcha), plus cdp, which is
// always on here.
std::vector<std::string> default_telemetry_categories() {
    return {"system", "cdp", "control", "connection", "captcha"};
}

bool parse_telemetry_body(std::string_view body, TelemetryPatch& out, std::string& error) {
    out = {};
    if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return true;
    simdjson::dom::parser parser;
    simdjson::dom::object root, browser;
    if (parser.parse(body.data(), body.size()).get_object().get(root)) {
        error = "body must be a JSON object like {\"browser\":{\"page\":{\"enabled\":true}}}";
        return false;
    }
    simdjson::dom::element b;
    if (root["browser"].get(b)) return true;
    if (b.get_object().get(browser)) {
        error = "field 'browser' must be an object of {\"<category>\":{\"enabled\":bool}}";
        return false;
    }
    out.has_browser = true;
    for (auto [key, value] : browser) {
        if (!configurable(key)) continue;  // future categories are ignored, not rejected
        if (key == "control" && !parse_excluded_methods(value, out.excluded_methods, error))
            return false;
        simdjson::dom::object cat;
        bool enabled;
        if (value.get_object().get(cat) || cat["enabled"].get_bool().get(enabled)) continue;
        (enabled ? out.enable : out.disable).emplace_back(key);
    }
    return true;
}

std::vector<std::string> put_categories(const TelemetryPatch& p) {
    if (!p.has_browser) return default_telemetry_categories();
    return p.enable;
}

std::vector<std::string> patch_categories(std::vector<std::string> current,
                                          const TelemetryPatch& p) {
    for (const auto& c : p.enable)
        if (!has(current, c)) current.push_back(c);
    std::erase_if(current, [&](const std::string& c) { return has(p.disable, c); });
    return current;
}

std::string telemetry_state_json(const std::vector<std::string>& categories, uint64_t seq,
                                 std::optional<int64_t> applied_at_ms,
                                 const std::string& session_id,
                                 const std::vector<std::string>* excluded_methods) {
    JsonObject browser;
    for (auto c : kCategories) {
        if (!configurable(c)) continue;
        const bool on = is_always_on_category(c) || has(categories, c);
        JsonObject cat;
        cat.add("enabled", on);
        if (c == "control" && excluded_methods)
            cat.add_raw("cdp", excluded_methods_json(*excluded_methods));
        browser.add_raw(c, cat.finish());
    }
    JsonObject out;
    out.add_raw("config", JsonObject().add_raw("browser", browser.finish()).finish())
        .add("seq", seq);
    if (applied_at_ms) {
        const timespec t{static_cast<time_t>(*applied_at_ms / 1000),
                         static_cast<long>(*applied_at_ms % 1000) * 1000000};
        out.add("applied_at", format_rfc3339(t)).add("capture_session_id", session_id);
    }
    return out.finish();
}

}  // namespace faultline::hub
