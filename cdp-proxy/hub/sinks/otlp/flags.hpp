// --otlp-endpoint, --otlp-header (repeatable), --otlp-protocol, --otlp-compression, each with
// its FAULTLINE_OTLP_* twin and, when those are unset, the standard OpenTelemetry variables
// (OTEL_EXPORTER_OTLP_LOGS_ENDPOINT / _ENDPOINT, _LOGS_HEADERS / _HEADERS, _LOGS_PROTOCOL /
// _PROTOCOL, _COMPRESSION, OTEL_SERVICE_NAME); plus the flags every sink has, under --otlp-.
#pragma once

#include <string>
#include <vector>

#include "faultline/cli.hpp"
#include "hub/sinks/flag_values.hpp"
#include "hub/sinks/otlp/otlp_exporter.hpp"
#include "hub/sinks/sink_registry.hpp"

namespace faultline::hub::sinks::otlp {

struct OtlpFlagValues {
    std::string endpoint;
    std::vector<std::string> headers;  // NAME=VALUE each (or comma-separated lists)
    std::string protocol;              // json | protobuf; empty = OTEL_* or json
    std::string compression;           // gzip | none; empty = OTEL_* or gzip
    uint64_t timeout_ms = 10000;
    SinkFlagValues sink{"", "", 2 * kMaxBatchRecords, 60};
};

void add_otlp_flags(FlagSet& flags, OtlpFlagValues& v);

// With an endpoint (from the flag or the OTEL_* variables), checks the settings and adds the
// OTLP sink to the hub; without one it does nothing. False with a clear error (never showing
// a header value). version: faultline's, as the instrumentation scope's.
bool add_otlp_sink(SinkRegistry& registry, OtlpFlagValues v, std::string_view version,
                   std::string& error);

}  // namespace faultline::hub::sinks::otlp
