#include "hub/sinks/s2/s2_destination.hpp"

#include <fmt/format.h>

namespace faultline::hub::sinks::s2 {

namespace {
// The writer reports failed attempts to the sink (its log comes filled from add_s2_sink).
S2Options with_hook(S2Options o, std::function<void(int, const std::string&, bool)> hook) {
    o.on_failure = std::move(hook);
    return o;
}
}  // namespace

S2Destination::S2Destination(S2Options opts)
    : HttpDestination(kMaxBatchRecords, kLinger),
      writer_(with_hook(std::move(opts), [this](int status, const std::string& why, bool fatal) {
          attempt_failed(status, why, fatal);
      })) {
    std::string error;
    writer_.open(error);  // checked before (add_s2_sink); this binds the endpoint
}

S2Destination::~S2Destination() {
    close();  // the worker uses writer_: stop it before the writer goes
}

bool S2Destination::probe(SinkError& err) {
    int status = 0;
    std::string why;
    if (writer_.probe(status, why)) return true;
    err = SinkError{http_cause(status, why), why};
    return false;
}

size_t S2Destination::deliver(std::span<const HeldEvent> events, const std::atomic<bool>& stop,
                              const std::function<void(uint64_t)>& done) {
    records_.clear();
    for (const auto& e : events) records_.push_back(S2Record{e.seq, e.type, e.key, e.json});
    return writer_.deliver(records_, stop, done);
}

}  // namespace faultline::hub::sinks::s2
