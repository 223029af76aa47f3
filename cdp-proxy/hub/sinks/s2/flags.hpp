// --s2-basin, --s2-stream, --s2-token, --s2-endpoint (each with its FAULTLINE_S2_* twin; the
// token also from S2_ACCESS_TOKEN) and the flags every sink has, under --s2-.
#pragma once

#include <string>

#include "faultline/cli.hpp"
#include "hub/sinks/flag_values.hpp"
#include "hub/sinks/s2/s2_writer.hpp"
#include "hub/sinks/sink_registry.hpp"

namespace faultline::hub::sinks::s2 {

struct S2FlagValues {
    std::string basin, stream, token, endpoint{kCloudBasinEndpoint};
    uint64_t timeout_ms = 10000;
    SinkFlagValues sink{"", "", 2 * kMaxBatchRecords, 60};  // a batch appends, the next fills
    bool wanted() const { return !basin.empty() || !stream.empty(); }
};

void add_s2_flags(FlagSet& flags, S2FlagValues& v);

// With --s2-basin or --s2-stream given, checks the settings and adds the S2 sink to the hub
// (without them it does nothing). False with a clear error (never showing the token).
bool add_s2_sink(SinkRegistry& registry, S2FlagValues v, std::string& error);

}  // namespace faultline::hub::sinks::s2
