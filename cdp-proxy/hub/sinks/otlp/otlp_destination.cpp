#include "hub/sinks/otlp/otlp_destination.hpp"

namespace faultline::hub::sinks::otlp {

namespace {
// The exporter reports failed attempts to the sink (its log comes filled from add_otlp_sink).
OtlpOptions with_hook(OtlpOptions o, std::function<void(int, const std::string&, bool)> hook) {
    o.on_failure = std::move(hook);
    return o;
}
}  // namespace

OtlpDestination::OtlpDestination(OtlpOptions opts)
    : HttpDestination(opts.max_batch, std::chrono::milliseconds(100)),
      exporter_(with_hook(std::move(opts), [this](int status, const std::string& why, bool fatal) {
          attempt_failed(status, why, fatal);
      })) {
    std::string error;
    exporter_.open(error);  // checked before (add_otlp_sink); this binds the endpoint
}

OtlpDestination::~OtlpDestination() {
    close();  // the worker uses exporter_: stop it before the exporter goes
}

// OTLP has no request without side effects to check credentials with: the first export is
// the check, and its failures reach the sink like any other.
bool OtlpDestination::probe(SinkError&) {
    return true;
}

size_t OtlpDestination::deliver(std::span<const HeldEvent> events, const std::atomic<bool>& stop,
                                const std::function<void(uint64_t)>& done) {
    inputs_.clear();
    for (const auto& e : events) inputs_.push_back(OtlpInput{e.json, e.key, e.observed_ns});
    return exporter_.deliver(inputs_, stop, [&](size_t n) { done(events[n - 1].seq); });
}

}  // namespace faultline::hub::sinks::otlp
