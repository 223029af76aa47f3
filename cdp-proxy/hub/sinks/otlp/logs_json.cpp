// OTLP/JSON encoding of a logs request (see logs_encoder.hpp).
#include <fmt/format.h>

#include "faultline/json_writer.hpp"
#include "hub/sinks/otlp/logs_encoder.hpp"

namespace faultline::hub::sinks::otlp {

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

void any_value(std::string& out, element v);

void key_value(std::string& out, std::string_view key, element v) {
    out.append("{\"key\":");
    append_json_string(out, key);
    out.append(",\"value\":");
    any_value(out, v);
    out.push_back('}');
}

// A JSON value as an AnyValue: objects become kvlistValue, arrays arrayValue, null the empty
// AnyValue; integers that do not fit int64 become doubleValue.
void any_value(std::string& out, element v) {
    switch (v.type()) {
        case element_type::OBJECT: {
            out.append("{\"kvlistValue\":{\"values\":[");
            bool first = true;
            simdjson::dom::object obj = v.get_object().value_unsafe();
            for (auto [k, val] : obj) {
                if (!first) out.push_back(',');
                first = false;
                key_value(out, k, val);
            }
            out.append("]}}");
            return;
        }
        case element_type::ARRAY: {
            out.append("{\"arrayValue\":{\"values\":[");
            bool first = true;
            simdjson::dom::array arr = v.get_array().value_unsafe();
            for (element e : arr) {
                if (!first) out.push_back(',');
                first = false;
                any_value(out, e);
            }
            out.append("]}}");
            return;
        }
        case element_type::STRING:
            out.append("{\"stringValue\":");
            append_json_string(out, v.get_string().value_unsafe());
            out.push_back('}');
            return;
        case element_type::INT64:
            fmt::format_to(std::back_inserter(out), "{{\"intValue\":\"{}\"}}",
                           v.get_int64().value_unsafe());
            return;
        case element_type::UINT64:
            out.append("{\"doubleValue\":");
            append_json_number(out, double(v.get_uint64().value_unsafe()));
            out.push_back('}');
            return;
        case element_type::DOUBLE:
            out.append("{\"doubleValue\":");
            append_json_number(out, v.get_double().value_unsafe());
            out.push_back('}');
            return;
        case element_type::BOOL:
            out.append(v.get_bool().value_unsafe() ? "{\"boolValue\":true}"
                                                   : "{\"boolValue\":false}");
            return;
        case element_type::NULL_VALUE:
            out.append("{}");
            return;
    }
}

void attribute(std::string& out, const Attribute& a) {
    out.append("{\"key\":");
    append_json_string(out, a.key);
    if (a.integer) {
        fmt::format_to(std::back_inserter(out), ",\"value\":{{\"intValue\":\"{}\"}}}}", *a.integer);
        return;
    }
    out.append(",\"value\":{\"stringValue\":");
    append_json_string(out, a.str);
    out.append("}}");
}

void log_record(std::string& out, const LogFields& f) {
    fmt::format_to(std::back_inserter(out),
                   "{{\"timeUnixNano\":\"{}\",\"observedTimeUnixNano\":\"{}\","
                   "\"severityNumber\":{},\"severityText\":\"{}\",\"eventName\":",
                   f.time_ns, f.observed_ns, f.severity.number, f.severity.text);
    append_json_string(out, f.event_name);
    if (f.has_body) {
        out.append(",\"body\":");
        any_value(out, f.body);
    }
    out.append(",\"attributes\":[");
    for (size_t i = 0; i < f.attributes.size(); ++i) {
        if (i) out.push_back(',');
        attribute(out, f.attributes[i]);
    }
    out.append("]}");
}

// An envelope that does not parse still reaches the collector, as its raw text.
void raw_record(std::string& out, const OtlpInput& in) {
    fmt::format_to(std::back_inserter(out),
                   "{{\"timeUnixNano\":\"{0}\",\"observedTimeUnixNano\":\"{0}\","
                   "\"severityNumber\":9,\"severityText\":\"INFO\",\"body\":{{\"stringValue\":",
                   in.observed_ns);
    append_json_string(out, in.envelope);
    out.append("}}");
}

void resource(std::string& out, const OtlpResource& r) {
    out.append("{\"resource\":{\"attributes\":[");
    attribute(out, {"service.name", r.service_name, std::nullopt});
    out.push_back(',');
    attribute(out, {"host.name", r.host_name, std::nullopt});
    out.append("]},\"scopeLogs\":[{\"scope\":{\"name\":\"faultline\",\"version\":");
    append_json_string(out, r.scope_version);
    out.append("},\"logRecords\":[");
}

}  // namespace

std::string encode_logs_json(const OtlpResource& r, std::span<const OtlpInput> events) {
    std::string out;
    size_t reserve = 256;
    for (const auto& e : events) reserve += e.envelope.size() * 3 + 512;
    out.reserve(reserve);
    out.append("{\"resourceLogs\":[");
    resource(out, r);
    simdjson::dom::parser parser;
    for (size_t i = 0; i < events.size(); ++i) {
        if (i) out.push_back(',');
        LogFields f;
        if (log_fields(parser, events[i], f))
            log_record(out, f);
        else
            raw_record(out, events[i]);
    }
    out.append("]}]}]}");
    return out;
}

}  // namespace faultline::hub::sinks::otlp
