// Where the --nats-*, --s2-* and --otlp-* flags add their sink: the hub implements it (sinks
// are added before it starts), so hub/sinks/ never includes hub.hpp.
#pragma once

#include <memory>
#include <string>

#include "faultline/log.hpp"
#include "hub/sinks/destination.hpp"
#include "hub/sinks/sink.hpp"

namespace faultline::hub::sinks {

class SinkRegistry {
  public:
    virtual ~SinkRegistry() = default;
    // Adds a sink exporting to dest; it starts with the hub and stops after its journal.
    virtual void add_sink(std::unique_ptr<Destination> dest, SinkOptions opts) = 0;
    // The hub's logger with the prefix "sink <name>: ", for a sink and its destination.
    virtual LogFn sink_log(const std::string& name) const = 0;
    // source.host of the hub's own events (a destination's resource or header).
    virtual const std::string& host() const = 0;
};

}  // namespace faultline::hub::sinks
