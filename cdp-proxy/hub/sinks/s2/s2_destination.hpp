// The S2 sink's destination: events batched (100 ms linger, S2's limits) and appended exactly
// once by the S2 writer, acknowledged to the sink as S2 acknowledges them.
#pragma once

#include "hub/sinks/http_destination.hpp"
#include "hub/sinks/s2/s2_writer.hpp"

namespace faultline::hub::sinks::s2 {

class S2Destination final : public HttpDestination {
  public:
    // opts have passed S2Writer::open (see add_s2_sink).
    explicit S2Destination(S2Options opts);
    ~S2Destination() override;
    const S2Stats& stats() const { return writer_.stats(); }

  private:
    bool probe(SinkError& err) override;
    size_t deliver(std::span<const HeldEvent> events, const std::atomic<bool>& stop,
                   const std::function<void(uint64_t)>& done) override;

    S2Writer writer_;
    std::vector<S2Record> records_;
};

}  // namespace faultline::hub::sinks::s2
