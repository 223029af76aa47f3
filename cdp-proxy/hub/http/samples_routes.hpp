// The memory samples' HTTP surface (issue 25), beside the event API and apart from it:
//   POST /telemetry/samples   one sample as JSON (kmsgmon --hub); 204, or 400 naming the field
//   GET  /telemetry/samples[?since_ms=N]   {"samples":[...]} with ts_ms > N, oldest first
// Samples are never journaled, streamed or sent to sinks: they only reach the SampleStore.
#pragma once

#include <httplib.h>

#include <cstdint>
#include <functional>

#include "hub/samples/sample_store.hpp"

namespace faultline::hub {

struct SampleRouteHooks {
    // Answers the request itself (503 stopping, 403 not allowed) and returns true when it may
    // not go on: the same checks as event ingest.
    std::function<bool(const httplib::Request&, httplib::Response&)> refuse;
    std::function<void(int status)> rejected;  // counts a 400 in the hub's metrics
    std::function<int64_t()> now_ms;           // the hub's wall clock (tests: a fixed one)
};

// Registers both routes on server; store and hooks must outlive it.
void register_sample_routes(httplib::Server& server, SampleStore& store, SampleRouteHooks hooks);

}  // namespace faultline::hub
