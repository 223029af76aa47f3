// The event envelope and its JSON encoding (one line, no trailing newline).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "clock.hpp"
#include "json_writer.hpp"
#include "schema.hpp"

namespace faultline {

struct Source {
    std::string kind;  // kmsg, supervisord, cdp-proxy, hub, ...
    std::string host;  // empty = omitted
    std::string name;  // empty = omitted
    std::optional<int64_t> pid;
};

struct Event {
    uint64_t seq = 0;  // assigned by the hub; 0 = not yet assigned (omitted when encoding)
    std::string ts;    // RFC 3339 wall-clock time of observation
    std::string type;
    std::string category;
    Source source;
    std::string id;  // producer idempotency key; empty = null
    std::optional<std::string> capture_session_id;
    std::string data = "{}";  // one JSON object on one line
};

inline void append_source(std::string& out, const Source& s) {
    JsonObject o;
    o.add("kind", s.kind);
    if (!s.host.empty()) o.add("host", s.host);
    if (s.pid) o.add("pid", *s.pid);
    if (!s.name.empty()) o.add("name", s.name);
    out.append(o.finish());
}

// Encodes the envelope as one line of JSON (no newline).
inline std::string encode_event(const Event& e) {
    std::string out;
    out.reserve(160 + e.data.size());
    out.push_back('{');
    if (e.seq) fmt::format_to(std::back_inserter(out), "\"seq\":{},", e.seq);
    out.append("\"ts\":");
    append_json_string(out, e.ts);
    out.append(",\"type\":");
    append_json_string(out, e.type);
    out.append(",\"category\":");
    append_json_string(out, e.category);
    out.append(",\"source\":");
    append_source(out, e.source);
    out.append(",\"id\":");
    if (e.id.empty())
        out.append("null");
    else
        append_json_string(out, e.id);
    out.append(",\"capture_session_id\":");
    if (e.capture_session_id)
        append_json_string(out, *e.capture_session_id);
    else
        out.append("null");
    out.append(",\"data\":");
    out.append(e.data);
    out.push_back('}');
    return out;
}

// A new event of a known type, stamped with the wall-clock time at (default: now); category
// from the schema.
inline Event make_event(std::string_view type, std::string data, Source source,
                        const timespec& at = wall_now()) {
    Event e;
    e.ts = format_rfc3339(at);
    e.type = std::string(type);
    if (const EventSpec* spec = find_event_spec(type)) e.category = std::string(spec->category);
    e.source = std::move(source);
    e.data = std::move(data);
    return e;
}

}  // namespace faultline
