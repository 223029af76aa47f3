#include "hub/sinks/otlp/log_fields.hpp"

#include "faultline/clock.hpp"

namespace faultline::hub::sinks::otlp {

namespace {

using simdjson::dom::element;

std::string_view str(element e, std::string_view key) {
    std::string_view v;
    return e[key].get_string().get(v) ? std::string_view{} : v;
}

void add_string(LogFields& out, std::string_view key, std::string_view v) {
    if (!v.empty()) out.attributes.push_back({key, v, std::nullopt});
}

// http.request.method, url.full, http.response.status_code for network_* events.
void add_http_semconv(LogFields& out, element data) {
    add_string(out, "http.request.method", str(data, "method"));
    add_string(out, "url.full", str(data, "url"));
    int64_t status = 0;
    if (!data["status"].get_int64().get(status))
        out.attributes.push_back({"http.response.status_code", {}, status});
}

void add_source(LogFields& out, element source) {
    add_string(out, "faultline.source.kind", str(source, "kind"));
    add_string(out, "faultline.source.host", str(source, "host"));
    add_string(out, "faultline.source.name", str(source, "name"));
    int64_t pid = 0;
    if (!source["pid"].get_int64().get(pid))
        out.attributes.push_back({"faultline.source.pid", {}, pid});
}

}  // namespace

bool log_fields(simdjson::dom::parser& parser, const OtlpInput& in, LogFields& out) {
    element doc;
    std::string_view type;
    if (parser.parse(in.envelope.data(), in.envelope.size()).get(doc) || !doc.is_object() ||
        doc["type"].get_string().get(type))
        return false;
    out.event_name = type;
    out.observed_ns = in.observed_ns;
    out.time_ns = rfc3339_unix_ns(str(doc, "ts")).value_or(in.observed_ns);
    element data;
    out.has_body = !doc["data"].get(data) && data.is_object();
    if (out.has_body) out.body = data;
    out.severity = out.has_body ? severity_of(type, str(data, "level"), str(data, "reason"))
                                : severity_of(type, {}, {});
    uint64_t seq = 0;
    if (!doc["seq"].get_uint64().get(seq) && seq <= uint64_t(INT64_MAX))
        out.attributes.push_back({"faultline.seq", {}, int64_t(seq)});
    add_string(out, "faultline.idempotency_key", in.key);
    add_string(out, "faultline.category", str(doc, "category"));
    element source;
    if (!doc["source"].get(source) && source.is_object()) add_source(out, source);
    add_string(out, "faultline.event_id", str(doc, "id"));
    add_string(out, "faultline.capture_session_id", str(doc, "capture_session_id"));
    if (type.starts_with("network_") && out.has_body) add_http_semconv(out, data);
    return true;
}

}  // namespace faultline::hub::sinks::otlp
