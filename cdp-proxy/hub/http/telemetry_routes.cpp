// GET/PUT/PATCH /telemetry: the configuration API (telemetry_config.hpp parses and renders it)
// on the event log's capture session.
#include "hub/http/error_body.hpp"
#include "hub/http/routes.hpp"
#include "hub/http/telemetry_config.hpp"

namespace faultline::hub {

namespace {
std::string state_json(const CaptureView& v) {
    if (!v.session) return telemetry_state_json({}, v.last_seq, std::nullopt, {});
    return telemetry_state_json(v.session->categories, v.last_seq, v.session->started_ms,
                                v.session->id, &v.excluded_methods);
}
}  // namespace

void Routes::add_telemetry_routes(httplib::Server& server) {
    using Req = const httplib::Request&;
    using Res = httplib::Response&;
    server.Get("/telemetry", [this](Req q, Res r) { handle_telemetry_get(q, r); });
    server.Put("/telemetry", [this](Req q, Res r) { handle_telemetry_set(q, r, false); });
    server.Patch("/telemetry", [this](Req q, Res r) { handle_telemetry_set(q, r, true); });
}

void Routes::handle_telemetry_get(const httplib::Request& req, httplib::Response& res) {
    if (refuse_if_not_allowed(req, res)) return;
    const CaptureView v = log_.capture_view();
    if (!v.session) return send_error(res, 404, "telemetry is not configured");
    res.set_content(state_json(v), "application/json");
}

void Routes::handle_telemetry_set(const httplib::Request& req, httplib::Response& res, bool patch) {
    if (refuse_if_stopping(res) || refuse_if_not_allowed(req, res)) return;
    TelemetryPatch p;
    std::string error;
    if (patch && req.body.find_first_not_of(" \t\r\n") == std::string::npos)
        return send_error(res, 400, "PATCH /telemetry needs a body");
    if (!parse_telemetry_body(req.body, p, error)) return send_error(res, 400, error);
    CaptureView view;
    const CaptureChange change = log_.configure_capture(
        patch,
        [&](const CaptureSession* active) -> std::optional<std::vector<std::string>> {
            if (patch && !p.has_browser) return std::nullopt;  // nothing to change
            return patch ? patch_categories(active->categories, p) : put_categories(p);
        },
        p.excluded_methods, view);
    if (change == CaptureChange::not_active)
        return send_error(res, 404, "telemetry is not configured");
    res.status = change == CaptureChange::started ? 201 : 200;
    res.set_content(state_json(view), "application/json");
}

}  // namespace faultline::hub
