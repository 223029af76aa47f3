// What one OTLP log record says about one event, taken from its envelope: times, severity,
// event_name, the data object as the body, and the attributes (seq, idempotency key, category,
// source, capture session, and for network events the HTTP semantic-convention attributes).
// Both encoders (JSON and protobuf) serialise this one description.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hub/sinks/otlp/severity.hpp"

namespace faultline::hub::sinks::otlp {

// One event handed to an encoder.
struct OtlpInput {
    std::string_view envelope;  // the event's JSON, as the hub recorded it
    std::string_view key;       // its idempotency key
    uint64_t observed_ns = 0;   // when the hub recorded it (Unix nanoseconds)
};

struct Attribute {
    std::string_view key;
    std::string_view str;            // a string value, unless integer is set
    std::optional<int64_t> integer;  // an int value
};

struct LogFields {
    uint64_t time_ns = 0, observed_ns = 0;
    Severity severity = kInfo;
    std::string_view event_name;
    simdjson::dom::element body;  // the data object (null element when there is none)
    bool has_body = false;
    std::vector<Attribute> attributes;
};

// Reads an envelope (parsed with parser, which owns the storage fields point into). False
// when it is not a JSON object with a type: the caller sends the raw text instead.
bool log_fields(simdjson::dom::parser& parser, const OtlpInput& in, LogFields& out);

// Resource attributes of every request: service.name and host.name.
struct OtlpResource {
    std::string service_name = "faultline";
    std::string host_name;
    std::string scope_version;  // the faultline version, as the instrumentation scope's
};

}  // namespace faultline::hub::sinks::otlp
