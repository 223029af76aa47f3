// The hub's HTTP API: ingest, pages, capture sessions, health and metrics. The SSE stream
// lives in hub/http/sse_stream.
#include "faultline/clock.hpp"
#include "hub/http/auth.hpp"
#include "hub/http/error_body.hpp"
#include "hub/http/ingest.hpp"
#include "hub/http/page_route.hpp"
#include "hub/http/samples_routes.hpp"
#include "hub/hub.hpp"
#include "hub/samples/sample_metrics.hpp"
#include "hub/stream/query.hpp"
#include "hub/stream/reader.hpp"

namespace faultline::hub {

namespace {
std::string json_list(const std::vector<std::string>& items) {
    std::string out = "[";
    for (const auto& s : items) {
        if (out.size() > 1) out.push_back(',');
        append_json_string(out, s);
    }
    return out + "]";
}
}  // namespace

void Hub::routes() {
    using Req = const httplib::Request&;
    using Res = httplib::Response&;
    server_.Post("/telemetry/events", [this](Req q, Res r) { handle_ingest(q, r); });
    server_.Get("/telemetry/events", [this](Req q, Res r) { handle_page(q, r); });
    server_.Get("/telemetry/stream", [this](Req q, Res r) {
        if (!refuse_if_stopping(r) && !refuse_if_not_allowed(q, r)) sse_->handle(q, r);
    });
    server_.Post("/telemetry/capture", [this](Req q, Res r) { handle_capture_start(q, r); });
    server_.Delete("/telemetry/capture", [this](Req q, Res r) { handle_capture_end(q, r); });
    server_.Get("/telemetry/capture", [this](Req q, Res r) { handle_capture_get(q, r); });
    server_.Get("/telemetry", [this](Req q, Res r) { handle_telemetry_get(q, r); });
    server_.Put("/telemetry", [this](Req q, Res r) { handle_telemetry_set(q, r, false); });
    server_.Patch("/telemetry", [this](Req q, Res r) { handle_telemetry_set(q, r, true); });
    server_.Get("/healthz", [this](Req q, Res r) { handle_health(q, r); });
    server_.Get("/metrics", [this](Req q, Res r) { handle_metrics(q, r); });
    register_page_route(server_, opts_.token);  // GET /: the live page
    register_sample_routes(
        server_, samples_,
        {[this](Req q, Res r) { return refuse_if_stopping(r) || refuse_if_not_allowed(q, r); },
         [this](int status) { metrics_.rejected(status); },
         {}});
    // cpp-httplib answers 413 and 404 with an empty body; give them a JSON error.
    server_.set_error_handler([this](Req, Res r) {
        if (!r.body.empty()) return;
        if (r.status == 413)
            send_error(r, 413,
                       fmt::format("body larger than {} bytes (--max-body)", opts_.max_body));
        else if (r.status == 404)
            send_error(r, 404, "no such endpoint");
        if (r.status >= 400) metrics_.rejected(r.status);
    });
}

bool Hub::refuse_if_stopping(httplib::Response& res) {
    if (!stopping_) return false;
    res.set_header("Retry-After", "1");
    send_error(res, 503, "the hub is shutting down");
    metrics_.rejected(503);
    return true;
}

// The batch was not stored (or not yet durable): the producer keeps it and retries.
void Hub::refuse_unstored(httplib::Response& res, const std::string& why) {
    res.set_header("Retry-After", "1");
    send_error(res, 503, why);
    metrics_.rejected(503);
}

bool Hub::refuse_if_not_allowed(const httplib::Request& req, httplib::Response& res) {
    if (producer_allowed(req.remote_addr, req.get_header_value("Authorization"), opts_.token))
        return false;
    send_error(res, 403,
               opts_.token.empty()
                   ? "only loopback clients may use the hub unless it runs with --token"
                   : "missing or wrong token: send 'Authorization: Bearer <token>'");
    metrics_.rejected(403);
    return true;
}

void Hub::handle_ingest(const httplib::Request& req, httplib::Response& res) {
    if (refuse_if_stopping(res) || refuse_if_not_allowed(req, res)) return;
    std::vector<Event> events;
    IngestError err;
    if (!parse_ingest_body(req.body, req.get_header_value("Content-Type"), events, err)) {
        metrics_.rejected(err.status);
        res.status = err.status;
        res.set_content(error_json(err), "application/json");
        return;
    }
    const IngestResult r = ingest(events);
    if (!r.refused.empty()) return refuse_unstored(res, r.refused);
    JsonObject out;
    out.add("accepted", r.accepted).add("duplicates", r.duplicates);
    if (r.first_seq)
        out.add("first_seq", r.first_seq);
    else
        out.add("first_seq", nullptr);
    res.set_content(out.add("recorded", r.recorded).finish(), "application/json");
}

// GET /telemetry/events?since=&limit=: the stream as JSON pages, for pollers.
void Hub::handle_page(const httplib::Request& req, httplib::Response& res) {
    if (refuse_if_not_allowed(req, res)) return;
    StreamQuery q;
    QueryError err;
    if (!parse_stream_query(raw_query_of(req), true, q, err))
        return send_error(res, 400, err.message, err.parameter);
    StreamReader reader(*ring_, journal_.get(), metrics_, source_, std::move(q.filter),
                        q.after.value_or(0));
    std::vector<StreamItem> items;
    while (items.size() < q.limit && reader.next(q.limit - items.size(), items)) {
    }
    std::string events = "[";
    for (const auto& it : items) {
        if (it.kind == StreamItem::Kind::unassigned) continue;
        if (events.size() > 1) events.push_back(',');
        events += it.json;
    }
    events.push_back(']');
    res.set_content(JsonObject()
                        .add_raw("events", events)
                        .add("next_since", reader.cursor())
                        .add("last_seq", ring_->last_seq())
                        .finish(),
                    "application/json");
}

void Hub::handle_capture_start(const httplib::Request& req, httplib::Response& res) {
    if (refuse_if_stopping(res) || refuse_if_not_allowed(req, res)) return;
    std::vector<std::string> categories;
    std::string error;
    if (!parse_capture_request(req.body, categories, error))
        return send_error(res, 400, error, "categories");
    std::lock_guard lock(mu_);
    CaptureSession s;
    uint64_t seq = 0;
    if (!start_capture_locked(std::move(categories), s, seq))
        return send_error(res, 409,
                          fmt::format("capture session {} is active; DELETE /telemetry/capture "
                                      "ends it",
                                      capture_.active()->id));
    res.status = 201;
    res.set_content(JsonObject()
                        .add("capture_session_id", s.id)
                        .add_raw("categories", json_list(s.categories))
                        .add("seq", seq)
                        .finish(),
                    "application/json");
}

void Hub::handle_capture_end(const httplib::Request& req, httplib::Response& res) {
    if (refuse_if_stopping(res) || refuse_if_not_allowed(req, res)) return;
    std::lock_guard lock(mu_);
    const CaptureSession* active = capture_.active();
    if (!active) return send_error(res, 404, "no capture session is active");
    const std::string id = active->id;
    const uint64_t captured = active->events_captured;
    const uint64_t seq = end_capture_locked();
    res.set_content(JsonObject()
                        .add("capture_session_id", id)
                        .add("events_captured", captured)
                        .add("seq", seq)
                        .finish(),
                    "application/json");
}

void Hub::handle_capture_get(const httplib::Request& req, httplib::Response& res) {
    if (refuse_if_not_allowed(req, res)) return;
    std::lock_guard lock(mu_);
    const CaptureSession* s = capture_.active();
    JsonObject out;
    out.add("active", s != nullptr);
    if (s)
        out.add("capture_session_id", s->id)
            .add_raw("categories", json_list(s->categories))
            .add("events_captured", s->events_captured);
    res.set_content(out.finish(), "application/json");
}

void Hub::handle_health(const httplib::Request&, httplib::Response& res) {
    flush_note();
    if (stopping_) return send_error(res, 503, "the hub is shutting down");
    std::string behind;
    if (journal_ && !journal_->writable()) {
        res.status = 503;
        JsonObject out;
        out.add("status", "journal_unwritable")
            .add("error", "the journal cannot store events: " + journal_->error())
            .add("last_seq", ring_->last_seq());
        uint64_t dropping = 0;
        {
            std::lock_guard lock(mu_);
            dropping = unsequenced_run_;
        }
        if (dropping)  // seq is never reused: in-process events without a reserved seq are lost
            out.add("events_unsequenced", dropping)
                .add("unsequenced",
                     fmt::format("{} in-process events dropped: no reserved seq left", dropping));
        return res.set_content(out.finish(), "application/json");
    }
    if (journal_ && !journal_->accepting(behind)) {
        res.status = 503;  // in-process events past the queue limit are not journaled meanwhile
        return res.set_content(JsonObject()
                                   .add("status", "journal_behind")
                                   .add("error", behind)
                                   .add("unjournaled", journal_->stats().unjournaled)
                                   .add("last_seq", ring_->last_seq())
                                   .finish(),
                               "application/json");
    }
    // A failing sink is reported, not fatal: the hub itself still serves (200).
    const std::string failing = sinks::render_unhealthy_sinks(sink_statuses());
    JsonObject out;
    out.add("status", failing == "[]" ? "ok" : "degraded").add("last_seq", ring_->last_seq());
    if (failing != "[]") out.add_raw("sinks_failing", failing);
    out.add("cdp_unauthenticated", opts_.cdp_unauthenticated);  // no --token on the CDP proxy
    res.set_content(out.finish(), "application/json");
}

void Hub::handle_metrics(const httplib::Request&, httplib::Response& res) {
    MetricsSnapshot s;
    s.ring_events = ring_->size();
    s.ring_capacity = opts_.ring_capacity;
    s.last_seq = ring_->last_seq();
    s.sse_subscribers = sse_->subscribers();
    s.sse_max_subscribers = sse_->max_subscribers();
    {
        std::lock_guard lock(mu_);
        s.capture_active = capture_.active() != nullptr;
    }
    s.journal_enabled = journal_ != nullptr;
    if (journal_) s.journal = journal_->stats();
    // The CDP endpoint without --token (issue 24): anyone who reaches it drives the browser.
    const std::string auth = fmt::format(
        "# HELP faultline_cdp_unauthenticated 1 when the CDP proxy runs without --token\n"
        "# TYPE faultline_cdp_unauthenticated gauge\nfaultline_cdp_unauthenticated {}\n",
        opts_.cdp_unauthenticated ? 1 : 0);
    res.set_content(metrics_.render(s) + sinks::render_sink_metrics(sink_statuses()) + auth +
                        render_sample_metrics(samples_, wall_now_ms()),
                    "text/plain; version=0.0.4");
}

}  // namespace faultline::hub
