// The OTLP sink's destination: events batched (100 ms linger, 512 records) and exported as
// OTLP/HTTP log records, acknowledged to the sink once the collector took them.
#pragma once

#include "hub/sinks/http_destination.hpp"
#include "hub/sinks/otlp/otlp_exporter.hpp"

namespace faultline::hub::sinks::otlp {

class OtlpDestination final : public HttpDestination {
  public:
    // opts have passed OtlpExporter::open (see add_otlp_sink).
    explicit OtlpDestination(OtlpOptions opts);
    ~OtlpDestination() override;

  private:
    bool probe(SinkError& err) override;
    size_t deliver(std::span<const HeldEvent> events, const std::atomic<bool>& stop,
                   const std::function<void(uint64_t)>& done) override;

    OtlpExporter exporter_;
    std::vector<OtlpInput> inputs_;
};

}  // namespace faultline::hub::sinks::otlp
