// Validation of POST /telemetry/events: the body (one JSON event, or NDJSON) and reserved
// types. Nothing here stores anything: the hub stores a request only
// when every line passed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "faultline/event.hpp"
#include "hub/http/error_body.hpp"

namespace faultline::hub {

// Parses a body: Content-Type application/json is one event (it may span lines); anything
// else is NDJSON, one event per line (blank lines skipped, CRLF accepted). Every event is
// validated against the schema; hub-only types are refused with 403, except events_dropped
// with reason outbox_full, which a producer's publisher sends. Returns false with err for
// the first bad line; out is then incomplete.
bool parse_ingest_body(std::string_view body, std::string_view content_type,
                       std::vector<Event>& out, IngestError& err);

}  // namespace faultline::hub
