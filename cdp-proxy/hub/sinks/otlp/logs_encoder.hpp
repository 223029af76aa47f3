// OTLP/HTTP logs request bodies, in both of OTLP's encodings: ExportLogsServiceRequest as
// protobuf (application/x-protobuf) and as OTLP/JSON (application/json: camelCase names,
// 64-bit integers as strings, enums as numbers). One ResourceLogs (service.name, host.name),
// one ScopeLogs ("faultline"), one LogRecord per event.
#pragma once

#include <span>
#include <string>

#include "hub/sinks/otlp/log_fields.hpp"

namespace faultline::hub::sinks::otlp {

enum class Protocol { json, protobuf };

std::string encode_logs_json(const OtlpResource& resource, std::span<const OtlpInput> events);
std::string encode_logs_protobuf(const OtlpResource& resource, std::span<const OtlpInput> events);

inline std::string encode_logs(Protocol p, const OtlpResource& r, std::span<const OtlpInput> e) {
    return p == Protocol::json ? encode_logs_json(r, e) : encode_logs_protobuf(r, e);
}
inline const char* content_type(Protocol p) {
    return p == Protocol::json ? "application/json" : "application/x-protobuf";
}

}  // namespace faultline::hub::sinks::otlp
