#include "hub/sinks/otlp/flags.hpp"

#include <fmt/format.h>

#include <cstdlib>

#include "hub/sinks/flags.hpp"
#include "hub/sinks/http_destination.hpp"
#include "hub/sinks/otlp/otlp_exporter.hpp"

namespace faultline::hub::sinks::otlp {

namespace {

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v ? v : "";
}

// The first of the variables that is set.
std::string env_first(std::initializer_list<const char*> names) {
    for (const char* n : names)
        if (std::string v = env(n); !v.empty()) return v;
    return {};
}

// The standard OpenTelemetry variables fill what the flags left unset.
void apply_otel_environment(OtlpFlagValues& v) {
    if (v.endpoint.empty()) v.endpoint = env("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT");
    if (v.endpoint.empty())
        if (std::string base = env("OTEL_EXPORTER_OTLP_ENDPOINT"); !base.empty())
            v.endpoint =
                (base.ends_with('/') ? base.substr(0, base.size() - 1) : base) + "/v1/logs";
    if (v.headers.empty())
        if (std::string h =
                env_first({"OTEL_EXPORTER_OTLP_LOGS_HEADERS", "OTEL_EXPORTER_OTLP_HEADERS"});
            !h.empty())
            v.headers.push_back(h);
    if (v.protocol.empty()) {
        std::string p =
            env_first({"OTEL_EXPORTER_OTLP_LOGS_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"});
        v.protocol = p == "http/json" ? "json" : p == "http/protobuf" ? "protobuf" : p;
    }
    if (v.compression.empty())
        v.compression =
            env_first({"OTEL_EXPORTER_OTLP_LOGS_COMPRESSION", "OTEL_EXPORTER_OTLP_COMPRESSION"});
}

}  // namespace

void add_otlp_flags(FlagSet& flags, OtlpFlagValues& v) {
    flags.add_string("otlp-endpoint", &v.endpoint,
                     "export every recorded event as an OpenTelemetry log record to this OTLP/HTTP "
                     "logs URL (a collector's http://HOST:4318/v1/logs); also "
                     "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT, or OTEL_EXPORTER_OTLP_ENDPOINT (the "
                     "collector's base URL: /v1/logs is added). The resource's service.name is "
                     "OTEL_SERVICE_NAME (default faultline)",
                     "URL");
    flags.add_list("otlp-header", &v.headers,
                   "a header for every export, e.g. Authorization=Bearer%20TOKEN (values "
                   "percent-decoded, never logged); also OTEL_EXPORTER_OTLP_LOGS_HEADERS or "
                   "OTEL_EXPORTER_OTLP_HEADERS",
                   "NAME=VALUE");
    flags.add_string("otlp-protocol", &v.protocol,
                     "json or protobuf (default json); also OTEL_EXPORTER_OTLP_LOGS_PROTOCOL or "
                     "OTEL_EXPORTER_OTLP_PROTOCOL (http/json, http/protobuf)",
                     "PROTOCOL");
    flags.add_string("otlp-compression", &v.compression,
                     "gzip or none (default gzip; plain after a 415); also "
                     "OTEL_EXPORTER_OTLP_LOGS_COMPRESSION or OTEL_EXPORTER_OTLP_COMPRESSION",
                     "COMPRESSION");
    flags.add_uint("otlp-timeout-ms", &v.timeout_ms, "an export not answered this long is retried",
                   "MS");
    add_sink_flags(flags, "otlp", v.sink);
}

bool add_otlp_sink(SinkRegistry& registry, OtlpFlagValues v, std::string_view version,
                   std::string& error) {
    apply_otel_environment(v);
    if (v.endpoint.empty()) return true;
    OtlpOptions o;
    o.endpoint = v.endpoint;
    for (const auto& h : v.headers)
        if (!parse_otlp_headers(h, o.headers, error))
            return error = "--otlp-header: " + error, false;
    if (v.protocol == "protobuf")
        o.protocol = Protocol::protobuf;
    else if (!v.protocol.empty() && v.protocol != "json")
        return error = fmt::format(
                   "--otlp-protocol '{}': json or protobuf (OTLP/HTTP; gRPC is "
                   "not supported)",
                   v.protocol),
               false;
    if (v.compression != "" && v.compression != "gzip" && v.compression != "none")
        return error = fmt::format("--otlp-compression '{}': gzip or none", v.compression), false;
    o.gzip = v.compression != "none";
    if (v.timeout_ms < 100) return error = "--otlp-timeout-ms: at least 100", false;
    o.timeout = std::chrono::milliseconds(v.timeout_ms);
    o.log = registry.sink_log("otlp");
    o.resource.host_name = registry.host();
    o.resource.scope_version = std::string(version);
    if (std::string name = env("OTEL_SERVICE_NAME"); !name.empty()) o.resource.service_name = name;
    SinkOptions so;
    if (!sink_options(v.sink, "otlp", so, error)) return false;
    const size_t max_batch = o.max_batch;
    auto exporter = std::make_unique<OtlpExporter>(std::move(o));
    if (!exporter->open(error)) return false;
    // Batches of up to 512 log records, a partial one waiting 100 ms.
    registry.add_sink(std::make_unique<HttpDestination>(std::move(exporter), max_batch,
                                                        std::chrono::milliseconds(100)),
                      std::move(so));
    return true;
}

}  // namespace faultline::hub::sinks::otlp
