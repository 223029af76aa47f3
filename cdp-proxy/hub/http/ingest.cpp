#include "hub/http/ingest.hpp"

#include "faultline/event_decode.hpp"
#include "hub/drop_report.hpp"

namespace faultline::hub {

namespace {

// One decoder per thread (it keeps a simdjson parser).
EventDecoder& decoder() {
    thread_local EventDecoder d;
    return d;
}

bool fail(IngestError& err, int status, size_t line, std::string field, std::string message) {
    err = IngestError{status, std::move(message), line, std::move(field)};
    return false;
}

// Decodes and checks one event; line is its 1-based line number in the body.
bool accept_one(std::string_view json, size_t line, std::vector<Event>& out, IngestError& err) {
    Event e;
    DecodeError de;
    if (!decoder().decode(json, e, de))
        return fail(err, 400, line, de.field, fmt::format("line {}: {}", line, de.message));
    const EventSpec* spec = find_event_spec(e.type);
    const auto drop = drop_report(e);
    const bool publisher_drop_report = drop && drop->reason == "outbox_full";
    if (spec->reserved && !publisher_drop_report)
        return fail(err, 403, line, "type",
                    fmt::format("line {}: type '{}' is reserved for the hub (producers may send "
                                "events_dropped only with reason outbox_full)",
                                line, e.type));
    out.push_back(std::move(e));
    return true;
}

bool is_json_content_type(std::string_view ct) {
    ct = ct.substr(0, ct.find(';'));
    while (!ct.empty() && (ct.back() == ' ' || ct.back() == '\t')) ct.remove_suffix(1);
    return ct == "application/json";
}

}  // namespace

bool parse_ingest_body(std::string_view body, std::string_view content_type,
                       std::vector<Event>& out, IngestError& err) {
    out.clear();
    if (body.find_first_not_of(" \t\r\n") == std::string_view::npos)
        return fail(err, 400, 0, "",
                    "empty body: expected one JSON event (application/json) or one event per "
                    "line (application/x-ndjson)");
    if (is_json_content_type(content_type)) return accept_one(body, 1, out, err);
    size_t start = 0, line = 0;
    while (start < body.size()) {
        size_t nl = body.find('\n', start);
        if (nl == std::string_view::npos) nl = body.size();
        std::string_view text = body.substr(start, nl - start);
        start = nl + 1;
        ++line;
        if (text.ends_with('\r')) text.remove_suffix(1);
        if (text.find_first_not_of(" \t") == std::string_view::npos) continue;
        if (!accept_one(text, line, out, err)) return false;
    }
    return true;
}

}  // namespace faultline::hub
