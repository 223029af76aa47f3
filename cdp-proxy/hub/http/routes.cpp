#include "hub/http/routes.hpp"

#include "faultline/clock.hpp"
#include "hub/http/auth.hpp"
#include "hub/http/error_body.hpp"
#include "hub/http/ingest.hpp"
#include "hub/http/page_route.hpp"
#include "hub/http/samples_routes.hpp"
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

Routes::Routes(EventLog& log, SseStreams& sse, Metrics& metrics, SampleStore& samples,
               RoutesOptions opts, const std::atomic<bool>& stopping,
               std::function<std::vector<sinks::SinkStatus>()> sink_statuses)
    : log_(log),
      sse_(sse),
      metrics_(metrics),
      samples_(samples),
      opts_(std::move(opts)),
      stopping_(stopping),
      sink_statuses_(std::move(sink_statuses)) {}

void Routes::add_all(httplib::Server& server) {
    add_event_routes(server);
    add_capture_routes(server);
    add_telemetry_routes(server);
    add_health_routes(server);
    add_sample_routes(server);
    add_page_route(server);
    add_error_handler(server);
}

using Req = const httplib::Request&;
using Res = httplib::Response&;

void Routes::add_event_routes(httplib::Server& server) {
    server.Post("/telemetry/events", [this](Req q, Res r) { handle_ingest(q, r); });
    server.Get("/telemetry/events", [this](Req q, Res r) { handle_page(q, r); });
    server.Get("/telemetry/stream", [this](Req q, Res r) {
        if (!refuse_if_stopping(r) && !refuse_if_not_allowed(q, r)) sse_.handle(q, r);
    });
}

void Routes::add_capture_routes(httplib::Server& server) {
    server.Post("/telemetry/capture", [this](Req q, Res r) { handle_capture_start(q, r); });
    server.Delete("/telemetry/capture", [this](Req q, Res r) { handle_capture_end(q, r); });
    server.Get("/telemetry/capture", [this](Req q, Res r) { handle_capture_get(q, r); });
}

void Routes::add_health_routes(httplib::Server& server) {
    server.Get("/healthz", [this](Req q, Res r) { handle_health(q, r); });
    server.Get("/metrics", [this](Req q, Res r) { handle_metrics(q, r); });
}

void Routes::add_page_route(httplib::Server& server) {
    register_page_route(server, opts_.token);  // GET /: the live page
}

void Routes::add_sample_routes(httplib::Server& server) {
    register_sample_routes(
        server, samples_,
        {[this](Req q, Res r) { return refuse_if_stopping(r) || refuse_if_not_allowed(q, r); },
         [this](int status) { metrics_.rejected(status); },
         {}});
}

void Routes::add_error_handler(httplib::Server& server) {
    server.set_error_handler([this](Req, Res r) {
        if (!r.body.empty()) return;
        if (r.status == 413)
            send_error(r, 413,
                       fmt::format("body larger than {} bytes (--max-body)", opts_.max_body));
        else if (r.status == 404)
            send_error(r, 404, "no such endpoint");
        if (r.status >= 400) metrics_.rejected(r.status);
    });
}

bool Routes::refuse_if_stopping(httplib::Response& res) {
    if (!stopping_) return false;
    res.set_header("Retry-After", "1");
    send_error(res, 503, "the hub is shutting down");
    metrics_.rejected(503);
    return true;
}

// The batch was not stored (or not yet durable): the producer keeps it and retries.
void Routes::refuse_unstored(httplib::Response& res, const std::string& why) {
    res.set_header("Retry-After", "1");
    send_error(res, 503, why);
    metrics_.rejected(503);
}

bool Routes::refuse_if_not_allowed(const httplib::Request& req, httplib::Response& res) {
    if (producer_allowed(req.remote_addr, req.get_header_value("Authorization"), opts_.token))
        return false;
    send_error(res, 403,
               opts_.token.empty()
                   ? "only loopback clients may use the hub unless it runs with --token"
                   : "missing or wrong token: send 'Authorization: Bearer <token>'");
    metrics_.rejected(403);
    return true;
}

void Routes::handle_ingest(const httplib::Request& req, httplib::Response& res) {
    if (refuse_if_stopping(res) || refuse_if_not_allowed(req, res)) return;
    std::vector<Event> events;
    IngestError err;
    if (!parse_ingest_body(req.body, req.get_header_value("Content-Type"), events, err)) {
        metrics_.rejected(err.status);
        res.status = err.status;
        res.set_content(error_json(err), "application/json");
        return;
    }
    const IngestResult r = log_.ingest(events);
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
void Routes::handle_page(const httplib::Request& req, httplib::Response& res) {
    if (refuse_if_not_allowed(req, res)) return;
    StreamQuery q;
    QueryError err;
    if (!parse_stream_query(raw_query_of(req), true, q, err))
        return send_error(res, 400, err.message, err.parameter);
    auto reader = log_.open_reader(std::move(q.filter), q.after.value_or(0), metrics_);
    std::vector<StreamItem> items;
    while (items.size() < q.limit && reader->next(q.limit - items.size(), items)) {
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
                        .add("next_since", reader->cursor())
                        .add("last_seq", log_.last_seq())
                        .finish(),
                    "application/json");
}

void Routes::handle_capture_start(const httplib::Request& req, httplib::Response& res) {
    if (refuse_if_stopping(res) || refuse_if_not_allowed(req, res)) return;
    std::vector<std::string> categories;
    std::string error;
    if (!parse_capture_request(req.body, categories, error))
        return send_error(res, 400, error, "categories");
    CaptureSession s;
    uint64_t seq = 0;
    std::string active_id;
    if (!log_.start_capture(std::move(categories), s, seq, active_id))
        return send_error(res, 409,
                          fmt::format("capture session {} is active; DELETE /telemetry/capture "
                                      "ends it",
                                      active_id));
    res.status = 201;
    res.set_content(JsonObject()
                        .add("capture_session_id", s.id)
                        .add_raw("categories", json_list(s.categories))
                        .add("seq", seq)
                        .finish(),
                    "application/json");
}

void Routes::handle_capture_end(const httplib::Request& req, httplib::Response& res) {
    if (refuse_if_stopping(res) || refuse_if_not_allowed(req, res)) return;
    const std::optional<EndedCapture> ended = log_.end_capture();
    if (!ended) return send_error(res, 404, "no capture session is active");
    res.set_content(JsonObject()
                        .add("capture_session_id", ended->id)
                        .add("events_captured", ended->events_captured)
                        .add("seq", ended->seq)
                        .finish(),
                    "application/json");
}

void Routes::handle_capture_get(const httplib::Request& req, httplib::Response& res) {
    if (refuse_if_not_allowed(req, res)) return;
    const std::optional<CaptureSession> s = log_.capture();
    JsonObject out;
    out.add("active", s.has_value());
    if (s)
        out.add("capture_session_id", s->id)
            .add_raw("categories", json_list(s->categories))
            .add("events_captured", s->events_captured);
    res.set_content(out.finish(), "application/json");
}

void Routes::handle_health(const httplib::Request&, httplib::Response& res) {
    const HealthSnapshot h = log_.health();
    if (stopping_) return send_error(res, 503, "the hub is shutting down");
    if (h.journal_enabled && !h.journal_writable) {
        res.status = 503;
        JsonObject out;
        out.add("status", "journal_unwritable")
            .add("error", "the journal cannot store events: " + h.journal_error)
            .add("last_seq", h.last_seq);
        if (h.unsequenced_run)  // seq is never reused: in-process events without a seq are lost
            out.add("events_unsequenced", h.unsequenced_run)
                .add("unsequenced",
                     fmt::format("{} in-process events dropped: no reserved seq left",
                                 h.unsequenced_run));
        return res.set_content(out.finish(), "application/json");
    }
    if (h.journal_enabled && !h.journal_accepting) {
        res.status = 503;  // in-process events past the queue limit are not journaled meanwhile
        return res.set_content(JsonObject()
                                   .add("status", "journal_behind")
                                   .add("error", h.journal_behind)
                                   .add("unjournaled", h.journal.unjournaled)
                                   .add("last_seq", h.last_seq)
                                   .finish(),
                               "application/json");
    }
    // A failing sink is reported, not fatal: the hub itself still serves (200).
    const std::string failing = sinks::render_unhealthy_sinks(sink_statuses_());
    JsonObject out;
    out.add("status", failing == "[]" ? "ok" : "degraded").add("last_seq", h.last_seq);
    if (failing != "[]") out.add_raw("sinks_failing", failing);
    out.add("cdp_unauthenticated", opts_.cdp_unauthenticated);  // no --token on the CDP proxy
    res.set_content(out.finish(), "application/json");
}

void Routes::handle_metrics(const httplib::Request&, httplib::Response& res) {
    const HealthSnapshot h = log_.health();
    MetricsSnapshot s;
    s.ring_events = h.ring_events;
    s.ring_capacity = opts_.ring_capacity;
    s.last_seq = h.last_seq;
    s.sse_subscribers = sse_.subscribers();
    s.sse_max_subscribers = sse_.max_subscribers();
    s.capture_active = h.capture_active;
    s.journal_enabled = h.journal_enabled;
    s.journal = h.journal;
    // The CDP endpoint without --token (issue 24): anyone who reaches it drives the browser.
    const std::string auth = fmt::format(
        "# HELP faultline_cdp_unauthenticated 1 when the CDP proxy runs without --token\n"
        "# TYPE faultline_cdp_unauthenticated gauge\nfaultline_cdp_unauthenticated {}\n",
        opts_.cdp_unauthenticated ? 1 : 0);
    const std::vector<sinks::SinkStatus> sinks = sink_statuses_();
    res.set_content(metrics_.render(s) + sinks::render_sink_metrics(sinks) + auth +
                        render_sample_metrics(samples_, wall_now_ms()),
                    "text/plain; version=0.0.4");
}

}  // namespace faultline::hub
