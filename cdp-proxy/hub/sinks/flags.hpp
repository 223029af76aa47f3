// The flags every sink has, under its own prefix (--nats-categories, --nats-types, ...), each
// with its FAULTLINE_* environment twin.
#pragma once

#include <string>
#include <string_view>

#include "faultline/cli.hpp"
#include "hub/sinks/flag_values.hpp"
#include "hub/sinks/sink.hpp"

namespace faultline::hub::sinks {

// Adds --<prefix>-categories, --<prefix>-types, --<prefix>-max-in-flight and
// --<prefix>-unhealthy-after.
void add_sink_flags(FlagSet& flags, std::string_view prefix, SinkFlagValues& v);
// Adds the --help sections on what the NATS, S2 and OTLP sinks export and how they fail.
void add_sinks_help(FlagSet& flags);

// SinkOptions named `name` from the values. False with an error naming the flag.
bool sink_options(const SinkFlagValues& v, std::string_view name, SinkOptions& out,
                  std::string& error);

}  // namespace faultline::hub::sinks
