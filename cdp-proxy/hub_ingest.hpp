// Validation of POST /telemetry/events: the body (one JSON event, or NDJSON), reserved
// types, and who may publish. Nothing here stores anything: the hub stores a request only
// when every line passed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "faultline/event.hpp"

namespace faultline::hub {

struct IngestError {
    int status = 400;
    std::string message;
    size_t line = 0;    // 1-based line of the body; 0 when not about one line
    std::string field;  // "type", "data.pid", ...; empty when not about one field
};

// {"error":...,"line":...,"field":...} (line and field null when they do not apply).
std::string error_json(const IngestError& err);

// Parses a body: Content-Type application/json is one event (it may span lines); anything
// else is NDJSON, one event per line (blank lines skipped, CRLF accepted). Every event is
// validated against the schema; hub-only types are refused with 403, except events_dropped
// with reason outbox_full, which a producer's publisher sends. Returns false with err for
// the first bad line; out is then incomplete.
bool parse_ingest_body(std::string_view body, std::string_view content_type,
                       std::vector<Event>& out, IngestError& err);

// True for 127.0.0.0/8, ::1 and IPv4-mapped loopback (::ffff:127.x.y.z).
bool is_loopback(std::string_view addr);

// Whether a producer may publish: loopback always; others only when a token is configured
// and the Authorization header is exactly "Bearer <token>".
bool producer_allowed(std::string_view remote_addr, std::string_view authorization,
                      std::string_view token);

// The count of an events_dropped event (0 for other types or when absent).
uint64_t dropped_count(const Event& e);

}  // namespace faultline::hub
