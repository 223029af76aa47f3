// Protobuf encoding of a logs request (see logs_encoder.hpp). Field numbers are those of
// opentelemetry/proto/{collector/logs/v1/logs_service,logs/v1/logs,common/v1/common,
// resource/v1/resource}.proto.
#include "hub/sinks/otlp/logs_encoder.hpp"
#include "hub/sinks/otlp/protobuf_writer.hpp"

namespace faultline::hub::sinks::otlp {

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// AnyValue: string_value 1, bool_value 2, int_value 3, double_value 4, array_value 5,
// kvlist_value 6. ArrayValue/KeyValueList: values 1. KeyValue: key 1, value 2.
void any_value(ProtobufWriter& w, element v);

void key_value(ProtobufWriter& w, uint32_t field, std::string_view key, element v) {
    size_t kv = w.begin(field);
    w.string(1, key);
    size_t value = w.begin(2);
    any_value(w, v);
    w.end(value);
    w.end(kv);
}

void any_value(ProtobufWriter& w, element v) {
    switch (v.type()) {
        case element_type::OBJECT: {
            size_t list = w.begin(6);
            simdjson::dom::object obj = v.get_object().value_unsafe();
            for (auto [k, val] : obj) key_value(w, 1, k, val);
            w.end(list);
            return;
        }
        case element_type::ARRAY: {
            size_t array = w.begin(5);
            simdjson::dom::array arr = v.get_array().value_unsafe();
            for (element e : arr) {
                size_t item = w.begin(1);
                any_value(w, e);
                w.end(item);
            }
            w.end(array);
            return;
        }
        case element_type::STRING:
            return w.string(1, v.get_string().value_unsafe());
        case element_type::INT64:
            return w.sint64_as_int(3, v.get_int64().value_unsafe());
        case element_type::UINT64:
            return w.dbl(4, double(v.get_uint64().value_unsafe()));
        case element_type::DOUBLE:
            return w.dbl(4, v.get_double().value_unsafe());
        case element_type::BOOL:
            return w.boolean(2, v.get_bool().value_unsafe());
        case element_type::NULL_VALUE:
            return;  // the empty AnyValue
    }
}

void attribute(ProtobufWriter& w, uint32_t field, const Attribute& a) {
    size_t kv = w.begin(field);
    w.string(1, a.key);
    size_t value = w.begin(2);
    if (a.integer)
        w.sint64_as_int(3, *a.integer);
    else
        w.string(1, a.str);
    w.end(value);
    w.end(kv);
}

// LogRecord: time_unix_nano 1 (fixed64), severity_number 2, severity_text 3, body 5,
// attributes 6, observed_time_unix_nano 11 (fixed64), event_name 12.
void log_record(ProtobufWriter& w, const LogFields& f) {
    size_t rec = w.begin(2);
    w.fixed(1, f.time_ns);
    w.uint(2, uint64_t(f.severity.number));
    w.string(3, f.severity.text);
    if (f.has_body) {
        size_t body = w.begin(5);
        any_value(w, f.body);
        w.end(body);
    }
    for (const auto& a : f.attributes) attribute(w, 6, a);
    w.fixed(11, f.observed_ns);
    w.string(12, f.event_name);
    w.end(rec);
}

void raw_record(ProtobufWriter& w, const OtlpInput& in) {
    size_t rec = w.begin(2);
    w.fixed(1, in.observed_ns);
    w.uint(2, 9);
    w.string(3, "INFO");
    size_t body = w.begin(5);
    w.string(1, in.envelope);
    w.end(body);
    w.fixed(11, in.observed_ns);
    w.end(rec);
}

}  // namespace

// ExportLogsServiceRequest: resource_logs 1. ResourceLogs: resource 1, scope_logs 2.
// Resource: attributes 1. ScopeLogs: scope 1, log_records 2. InstrumentationScope: name 1,
// version 2.
std::string encode_logs_protobuf(const OtlpResource& r, std::span<const OtlpInput> events) {
    std::string out;
    size_t reserve = 256;
    for (const auto& e : events) reserve += e.envelope.size() * 2 + 320;
    out.reserve(reserve);
    ProtobufWriter w(out);
    size_t resource_logs = w.begin(1);
    size_t resource = w.begin(1);
    attribute(w, 1, {"service.name", r.service_name, std::nullopt});
    attribute(w, 1, {"host.name", r.host_name, std::nullopt});
    w.end(resource);
    size_t scope_logs = w.begin(2);
    size_t scope = w.begin(1);
    w.string(1, "faultline");
    w.string(2, r.scope_version);
    w.end(scope);
    simdjson::dom::parser parser;
    for (const auto& e : events) {
        LogFields f;
        if (log_fields(parser, e, f))
            log_record(w, f);
        else
            raw_record(w, e);
    }
    w.end(scope_logs);
    w.end(resource_logs);
    return out;
}

}  // namespace faultline::hub::sinks::otlp
