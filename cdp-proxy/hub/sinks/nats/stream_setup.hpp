// Making sure the JetStream stream takes our events: created when missing (with
// --nats-create-stream), else checked to cover every subject this hub publishes to.
#pragma once

#include <nats/nats.h>

#include <string>

#include "hub/sinks/destination.hpp"
#include "hub/sinks/nats/options.hpp"

namespace faultline::hub::sinks::nats {

// True when the stream is ready for this host's subjects; else err (cause stream) says why and
// what to change. created is set when it had to be created.
bool ensure_stream(jsCtx* js, const NatsOptions& o, const std::string& host, bool& created,
                   SinkError& err);

}  // namespace faultline::hub::sinks::nats
