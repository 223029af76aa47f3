#include "hub/sinks/otlp/log_fields.hpp"

#include <charconv>

#include "faultline/clock.hpp"

namespace faultline::hub::sinks::otlp {

namespace {

using simdjson::dom::element;

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {  // H. Hinnant's algorithm
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = unsigned(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + int64_t(doe) - 719468;
}

int num(std::string_view s, size_t at, size_t n) {
    int v = 0;
    std::from_chars(s.data() + at, s.data() + at + n, v);
    return v;
}

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

std::optional<uint64_t> rfc3339_unix_ns(std::string_view ts) {
    if (!is_rfc3339(ts)) return std::nullopt;
    const int month = num(ts, 5, 2), day = num(ts, 8, 2), h = num(ts, 11, 2), m = num(ts, 14, 2),
              s = num(ts, 17, 2);
    if (month < 1 || month > 12 || day < 1 || day > 31 || h > 23 || m > 59 || s > 60)
        return std::nullopt;
    int64_t secs = days_from_civil(num(ts, 0, 4), unsigned(month), unsigned(day)) * 86400 +
                   h * 3600 + m * 60 + s;
    size_t i = 19;
    int64_t nanos = 0;
    if (ts[i] == '.') {
        int64_t scale = 100000000;
        for (++i; i < ts.size() && ts[i] >= '0' && ts[i] <= '9'; ++i, scale /= 10)
            nanos += (ts[i] - '0') * scale;
    }
    if (ts[i] == '+' || ts[i] == '-') {
        const int64_t offset = num(ts, i + 1, 2) * 3600 + num(ts, i + 4, 2) * 60;
        secs += ts[i] == '+' ? -offset : offset;
    }
    if (secs < 0) return std::nullopt;
    return uint64_t(secs) * 1000000000u + uint64_t(nanos);
}

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
