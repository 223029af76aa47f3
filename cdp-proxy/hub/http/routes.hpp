// The telemetry API's routes: each handler turns a request into a call on the event log (or
// the SSE streams) and its answer into JSON. No hub state lives here. One method registers
// each group of routes, so a new group is one more method and one more line in add_all.
#pragma once

#include <httplib.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "hub/event_log.hpp"
#include "hub/http/sse_stream.hpp"
#include "hub/metrics.hpp"
#include "hub/samples/sample_store.hpp"
#include "hub/sinks/sink_status.hpp"

namespace faultline::hub {

struct RoutesOptions {
    uint64_t max_body = 1 << 20;       // named in the 413 answer
    std::string token;                 // non-loopback clients need "Authorization: Bearer <it>"
    bool cdp_unauthenticated = false;  // no --token on the CDP proxy: /healthz, /metrics say so
    uint64_t ring_capacity = 0;        // a /metrics gauge
};

class Routes {
  public:
    // stopping: set when the hub stops (writes are refused with 503); sink_statuses: the sinks'
    // health for /healthz and /metrics.
    Routes(EventLog& log, SseStreams& sse, Metrics& metrics, SampleStore& samples,
           RoutesOptions opts, const std::atomic<bool>& stopping,
           std::function<std::vector<sinks::SinkStatus>()> sink_statuses);

    // Registers every group below and the JSON error handler.
    void add_all(httplib::Server& server);

    // POST /telemetry/events (ingest), GET /telemetry/events (pages), GET /telemetry/stream.
    void add_event_routes(httplib::Server& server);
    // POST/DELETE/GET /telemetry/capture.
    void add_capture_routes(httplib::Server& server);
    // GET/PUT/PATCH /telemetry (telemetry_routes.cpp).
    void add_telemetry_routes(httplib::Server& server);
    // GET /healthz, GET /metrics.
    void add_health_routes(httplib::Server& server);
    // POST/GET /telemetry/samples (samples_routes.cpp): memory samples, not events.
    void add_sample_routes(httplib::Server& server);
    // GET /: the live page (page_route.cpp), embedded in the binary.
    void add_page_route(httplib::Server& server);
    // 413 and 404 answers get a JSON body (cpp-httplib leaves them empty).
    void add_error_handler(httplib::Server& server);

    // Each handler starts with these: 503 while stopping, 403 for a client not allowed.
    bool refuse_if_stopping(httplib::Response& res);
    bool refuse_if_not_allowed(const httplib::Request& req, httplib::Response& res);

  private:
    void refuse_unstored(httplib::Response& res, const std::string& why);
    void handle_ingest(const httplib::Request& req, httplib::Response& res);
    void handle_page(const httplib::Request& req, httplib::Response& res);
    void handle_capture_start(const httplib::Request& req, httplib::Response& res);
    void handle_capture_end(const httplib::Request& req, httplib::Response& res);
    void handle_capture_get(const httplib::Request& req, httplib::Response& res);
    void handle_telemetry_get(const httplib::Request& req, httplib::Response& res);
    void handle_telemetry_set(const httplib::Request& req, httplib::Response& res, bool patch);
    void handle_health(const httplib::Request& req, httplib::Response& res);
    void handle_metrics(const httplib::Request& req, httplib::Response& res);

    EventLog& log_;
    SseStreams& sse_;
    Metrics& metrics_;
    SampleStore& samples_;
    RoutesOptions opts_;
    const std::atomic<bool>& stopping_;
    std::function<std::vector<sinks::SinkStatus>()> sink_statuses_;
};

}  // namespace faultline::hub
