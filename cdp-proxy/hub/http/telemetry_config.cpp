#include "hub/http/telemetry_config.hpp"

#include <simdjson.h>

#include <algorithm>

#include "faultline/clock.hpp"
#include "faultline/json_writer.hpp"
#include "faultline/schema.hpp"
#include "hub/http/control_config.hpp"
#include "hub/http/error_body.hpp"
#include "hub/hub.hpp"

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

// --- the handlers (members of Hub, registered in routes.cpp) ---

std::string Hub::telemetry_state_locked() {
    const CaptureSession* s = capture_.active();
    if (!s) return telemetry_state_json({}, ring_->last_seq(), std::nullopt, {});
    return telemetry_state_json(s->categories, ring_->last_seq(), s->started_ms, s->id,
                                &control_excluded_);
}

void Hub::handle_telemetry_get(const httplib::Request& req, httplib::Response& res) {
    if (refuse_if_not_allowed(req, res)) return;
    std::lock_guard lock(mu_);
    if (!capture_.active()) return send_error(res, 404, "telemetry is not configured");
    res.set_content(telemetry_state_locked(), "application/json");
}

void Hub::handle_telemetry_set(const httplib::Request& req, httplib::Response& res, bool patch) {
    if (refuse_if_stopping(res) || refuse_if_not_allowed(req, res)) return;
    TelemetryPatch p;
    std::string error;
    if (patch && req.body.find_first_not_of(" \t\r\n") == std::string::npos)
        return send_error(res, 400, "PATCH /telemetry needs a body");
    if (!parse_telemetry_body(req.body, p, error)) return send_error(res, 400, error);
    std::lock_guard lock(mu_);
    const CaptureSession* active = capture_.active();
    if (patch && !active) return send_error(res, 404, "telemetry is not configured");
    if (patch && !p.has_browser)
        return res.set_content(telemetry_state_locked(), "application/json");
    std::vector<std::string> cats =
        patch ? patch_categories(active->categories, p) : put_categories(p);
    res.status = 200;
    if (p.excluded_methods) {  // control.cdp.excluded_methods (issue 24)
        control_excluded_ = *p.excluded_methods;
        if (control_observer_) control_observer_(control_excluded_);
    }
    if (cats.empty()) {
        end_capture_locked();  // nothing left to capture: the session ends (session_ended)
    } else if (active) {
        capture_.update(std::move(cats));
    } else {
        CaptureSession s;
        uint64_t seq = 0;
        start_capture_locked(std::move(cats), s, seq);
        res.status = 201;
    }
    res.set_content(telemetry_state_locked(), "application/json");
}

}  // namespace faultline::hub
