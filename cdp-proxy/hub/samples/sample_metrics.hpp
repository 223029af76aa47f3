// The latest memory sample as Prometheus gauges for GET /metrics, so a Prometheus user gets the
// VM's memory from the hub they already scrape. Empty until a sample has arrived.
#pragma once

#include <cstdint>
#include <string>

#include "hub/samples/sample_store.hpp"

namespace faultline::hub {

// faultline_memory_{available,total}_bytes, faultline_swap_{free,total}_bytes,
// faultline_psi_{some,full}_avg10 (when known) and faultline_memory_sample_age_seconds (now_ms
// minus the sample's ts_ms, so a stalled sampler shows).
std::string render_sample_metrics(const SampleStore& store, int64_t now_ms);

}  // namespace faultline::hub
