// --nats and its companions, each with its FAULTLINE_NATS_* environment twin.
#pragma once

#include <memory>
#include <string>

#include "faultline/cli.hpp"
#include "hub/sinks/nats/options.hpp"
#include "hub/sinks/sink_registry.hpp"

namespace faultline::hub::sinks::nats {

void add_nats_flags(FlagSet& flags, NatsOptions& o);

// With --nats given: checks the settings and adds the JetStream sink to the hub. False with a
// clear error for bad settings or a build without NATS support.
bool add_nats_sink(SinkRegistry& registry, const NatsOptions& o, std::string& error);

}  // namespace faultline::hub::sinks::nats
