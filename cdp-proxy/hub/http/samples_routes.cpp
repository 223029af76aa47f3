#include "hub/http/samples_routes.hpp"

#include <limits>
#include <string>

#include "faultline/clock.hpp"
#include "faultline/memory_sample_decode.hpp"
#include "hub/http/error_body.hpp"
#include "hub/stream/query.hpp"

namespace faultline::hub {

namespace {

void post_sample(const httplib::Request& req, httplib::Response& res, SampleStore& store,
                 const SampleRouteHooks& hooks) {
    if (hooks.refuse && hooks.refuse(req, res)) return;
    thread_local MemorySampleDecoder decoder;  // handlers run on the API's worker threads
    MemorySample s;
    SampleDecodeError err;
    if (!decoder.decode(req.body, s, err)) {
        if (hooks.rejected) hooks.rejected(400);
        return send_error(res, 400, "bad memory sample: " + err.message, err.field);
    }
    store.add(s, hooks.now_ms ? hooks.now_ms() : wall_now_ms());
    res.status = 204;
}

void get_samples(const httplib::Request& req, httplib::Response& res, const SampleStore& store,
                 const SampleRouteHooks& hooks) {
    if (hooks.refuse && hooks.refuse(req, res)) return;
    int64_t since_ms = 0;
    if (req.has_param("since_ms")) {
        const auto v = parse_seq(req.get_param_value("since_ms"));
        if (!v || *v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
            if (hooks.rejected) hooks.rejected(400);
            return send_error(res, 400, "since_ms must be a non-negative integer (wall-clock ms)",
                              "since_ms");
        }
        since_ms = static_cast<int64_t>(*v);
    }
    const auto samples = store.since(since_ms, hooks.now_ms ? hooks.now_ms() : wall_now_ms());
    std::string body = "{\"samples\":[";
    body.reserve(body.size() + samples.size() * 240);
    for (size_t i = 0; i < samples.size(); ++i) {
        if (i) body.push_back(',');
        body += encode_memory_sample(samples[i]);
    }
    body += "]}";
    res.set_header("Cache-Control", "no-store");
    res.set_content(body, "application/json");
}

}  // namespace

void register_sample_routes(httplib::Server& server, SampleStore& store, SampleRouteHooks hooks) {
    server.Post("/telemetry/samples",
                [&store, hooks](const httplib::Request& q, httplib::Response& r) {
                    post_sample(q, r, store, hooks);
                });
    server.Get("/telemetry/samples",
               [&store, hooks](const httplib::Request& q, httplib::Response& r) {
                   get_samples(q, r, store, hooks);
               });
}

}  // namespace faultline::hub
