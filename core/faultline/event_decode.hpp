// Decoding and validation of one event envelope (simdjson On-Demand).
// Strict: unknown fields, wrong types, missing required fields, trailing content and invalid
// UTF-8 are errors naming the field. The data object is re-encoded canonically on one line.
#pragma once

#include <simdjson.h>

#include <bitset>
#include <string>
#include <string_view>

#include "event.hpp"

namespace faultline {

// Typed, not a plain error string: ingest answers 400 naming the offending field.
struct DecodeError {
    std::string message;  // human-readable; names the field
    std::string field;    // "type", "data.pid", ... or empty when the JSON itself is broken
};

class EventDecoder {
  public:
    // Parses json into out. Returns false and fills err on any problem; out is then unspecified.
    bool decode(std::string_view json, Event& out, DecodeError& err) {
        buf_.assign(json);
        buf_.reserve(json.size() + simdjson::SIMDJSON_PADDING);
        simdjson::padded_string_view input(buf_.data(), buf_.size(), buf_.capacity());
        simdjson::ondemand::document doc;
        if (auto e = parser_.iterate(input).get(doc)) return json_error(e, err);
        out = Event{};
        std::string type;
        if (!find_type(doc, type, err)) return false;
        const EventSpec* spec = find_event_spec(type);
        if (!spec) return fail(err, "type", fmt::format("unknown event type '{}'", type));
        doc.rewind();
        simdjson::ondemand::object obj;
        if (auto e = doc.get_object().get(obj)) return json_error(e, err);
        if (!decode_envelope(obj, *spec, out, err)) return false;
        if (!at_end(doc)) return fail(err, "", "trailing content after the event object");
        out.type = std::move(type);
        out.category = std::string(spec->category);
        return true;
    }

  private:
    using value = simdjson::ondemand::value;
    using json_type = simdjson::ondemand::json_type;

    static bool fail(DecodeError& err, std::string field, std::string msg) {
        err.field = std::move(field);
        err.message = std::move(msg);
        return false;
    }
    static bool json_error(simdjson::error_code e, DecodeError& err, std::string field = "") {
        if (e == simdjson::UTF8_ERROR) return fail(err, field, "invalid UTF-8 in input");
        if (e == simdjson::EMPTY) return fail(err, field, "empty input: expected a JSON object");
        if (e == simdjson::INCORRECT_TYPE && field.empty())
            return fail(err, field, "event must be a JSON object");
        return fail(err, field, fmt::format("invalid JSON: {}", simdjson::error_message(e)));
    }
    static bool at_end(simdjson::ondemand::document& doc) {
        const char* loc = nullptr;
        return doc.current_location().get(loc) == simdjson::OUT_OF_BOUNDS;
    }

    bool find_type(simdjson::ondemand::document& doc, std::string& type, DecodeError& err) {
        simdjson::ondemand::object obj;
        if (auto e = doc.get_object().get(obj)) return json_error(e, err);
        value v;
        auto e = obj.find_field_unordered("type").get(v);
        if (e == simdjson::NO_SUCH_FIELD) return fail(err, "type", "missing required field 'type'");
        if (e) return json_error(e, err);
        std::string_view s;
        if (v.get_string().get(s)) return fail(err, "type", "field 'type' must be a string");
        type.assign(s);
        return true;
    }

    bool decode_envelope(simdjson::ondemand::object& obj, const EventSpec& spec, Event& out,
                         DecodeError& err) {
        bool have_source = false, have_data = false;
        for (auto f : obj) {
            simdjson::ondemand::field field;
            std::string_view key;
            if (auto e = std::move(f).get(field)) return json_error(e, err);
            if (auto e = field.unescaped_key().get(key)) return json_error(e, err);
            value v = field.value();
            if (key == "type") {
                std::string_view s;
                if (v.get_string().get(s))
                    return fail(err, "type", "field 'type' must be a string");
            } else if (key == "seq") {
                uint64_t seq;
                if (v.get_uint64().get(seq))
                    return fail(err, "seq", "field 'seq' must be a non-negative integer");
                out.seq = seq;
            } else if (key == "ts") {
                if (!opt_string(v, "ts", out.ts, err)) return false;
                if (!out.ts.empty() && !is_rfc3339(out.ts))
                    return fail(err, "ts", "field 'ts' must be an RFC 3339 date-time");
            } else if (key == "category") {
                std::string c;
                if (!opt_string(v, "category", c, err)) return false;
                if (!c.empty() && c != spec.category)
                    return fail(
                        err, "category",
                        fmt::format("category '{}' does not match type '{}' (expected '{}')", c,
                                    spec.type, spec.category));
            } else if (key == "id") {
                if (!opt_string(v, "id", out.id, err)) return false;
                if (out.id.size() > 256)
                    return fail(err, "id", "field 'id' is longer than 256 bytes");
            } else if (key == "capture_session_id") {
                std::string c;
                if (!opt_string(v, "capture_session_id", c, err)) return false;
                if (!c.empty()) out.capture_session_id = std::move(c);
            } else if (key == "source") {
                if (!decode_source(v, out.source, err)) return false;
                have_source = true;
            } else if (key == "data") {
                if (!decode_data(v, spec, out.data, err)) return false;
                have_data = true;
            } else {
                return fail(err, std::string(key), fmt::format("unknown field '{}'", key));
            }
        }
        if (!have_source) return fail(err, "source", "missing required field 'source'");
        if (!have_data) return fail(err, "data", "missing required field 'data'");
        return true;
    }

    // A string or null (null leaves out empty).
    static bool opt_string(value& v, std::string_view name, std::string& out, DecodeError& err) {
        json_type t;
        if (auto e = v.type().get(t)) return json_error(e, err, std::string(name));
        if (t == json_type::null) return true;
        if (t != json_type::string)
            return fail(err, std::string(name), fmt::format("field '{}' must be a string", name));
        std::string_view s;
        if (auto e = v.get_string().get(s)) return json_error(e, err, std::string(name));
        out.assign(s);
        return true;
    }

    static bool decode_source(value& v, Source& src, DecodeError& err) {
        simdjson::ondemand::object o;
        if (v.get_object().get(o)) return fail(err, "source", "field 'source' must be an object");
        bool have_kind = false;
        for (auto f : o) {
            simdjson::ondemand::field field;
            std::string_view key;
            if (auto e = std::move(f).get(field)) return json_error(e, err, "source");
            if (auto e = field.unescaped_key().get(key)) return json_error(e, err, "source");
            value fv = field.value();
            if (key == "kind") {
                if (!opt_string(fv, "source.kind", src.kind, err)) return false;
                have_kind = !src.kind.empty();
            } else if (key == "host") {
                if (!opt_string(fv, "source.host", src.host, err)) return false;
            } else if (key == "name") {
                if (!opt_string(fv, "source.name", src.name, err)) return false;
            } else if (key == "pid") {
                int64_t pid;
                if (fv.get_int64().get(pid))
                    return fail(err, "source.pid", "field 'source.pid' must be an integer");
                src.pid = pid;
            } else {
                std::string name = fmt::format("source.{}", key);
                return fail(err, name, fmt::format("unknown field '{}'", name));
            }
        }
        if (!have_kind) return fail(err, "source.kind", "missing required field 'source.kind'");
        return true;
    }

    static const FieldSpec* find_field(const EventSpec& spec, std::string_view key, size_t& idx) {
        for (idx = 0; idx < spec.fields.size(); ++idx)
            if (spec.fields[idx].name == key) return &spec.fields[idx];
        return nullptr;
    }

    static bool decode_data(value& v, const EventSpec& spec, std::string& out, DecodeError& err) {
        simdjson::ondemand::object o;
        if (v.get_object().get(o)) return fail(err, "data", "field 'data' must be an object");
        std::bitset<64> seen;
        out.assign("{");
        for (auto f : o) {
            simdjson::ondemand::field field;
            std::string_view key;
            if (auto e = std::move(f).get(field)) return json_error(e, err, "data");
            if (auto e = field.unescaped_key().get(key)) return json_error(e, err, "data");
            size_t idx = 0;
            const FieldSpec* fs = find_field(spec, key, idx);
            if (!fs)
                return fail(
                    err, dotted(key),
                    fmt::format("unknown field '{}' for type '{}'", dotted(key), spec.type));
            if (seen[idx])
                return fail(err, dotted(key), fmt::format("duplicate field '{}'", dotted(key)));
            seen[idx] = true;
            if (out.size() > 1) out.push_back(',');
            append_json_string(out, key);
            out.push_back(':');
            if (!encode_value(field.value(), *fs, out, err)) return false;
        }
        out.push_back('}');
        for (size_t i = 0; i < spec.fields.size(); ++i)
            if (spec.fields[i].required && !seen[i]) {
                std::string name = dotted(spec.fields[i].name);
                return fail(err, name, fmt::format("missing required field '{}'", name));
            }
        return true;
    }

    // "data.<key>": built only when reporting an error (the hot path never formats names).
    static std::string dotted(std::string_view key) { return fmt::format("data.{}", key); }

    // Checks one data value against its spec and appends its canonical encoding.
    static bool encode_value(value v, const FieldSpec& fs, std::string& out, DecodeError& err) {
        json_type t;
        const std::string_view key = fs.name;
        if (auto e = v.type().get(t)) return json_error(e, err, dotted(key));
        if (t == json_type::null) {
            if (fs.required)
                return fail(err, dotted(key),
                            fmt::format("field '{}' must not be null", dotted(key)));
            out.append("null");
            return true;
        }
        auto wrong = [&] {
            return fail(
                err, dotted(key),
                fmt::format("field '{}' must be {} {}", dotted(key),
                            fs.type == FieldType::integer ? "an" : "a", field_type_name(fs.type)));
        };
        switch (fs.type) {
            case FieldType::integer: {
                int64_t i;
                if (t != json_type::number || v.get_int64().get(i)) return wrong();
                fmt::format_to(std::back_inserter(out), "{}", i);
                return true;
            }
            case FieldType::number: {
                double d;
                if (t != json_type::number || v.get_double().get(d)) return wrong();
                append_json_number(out, d);
                return true;
            }
            case FieldType::boolean: {
                bool b;
                if (t != json_type::boolean || v.get_bool().get(b)) return wrong();
                out.append(b ? "true" : "false");
                return true;
            }
            case FieldType::string: {
                std::string_view s;
                if (t != json_type::string) return wrong();
                if (auto e = v.get_string().get(s)) return json_error(e, err, dotted(key));
                if (!fs.allowed.empty() && !is_allowed(fs, s))
                    return fail(err, dotted(key),
                                fmt::format("field '{}' has invalid value '{}'", dotted(key), s));
                append_json_string(out, s);
                return true;
            }
            case FieldType::string_array:
                return encode_string_array(v, t, dotted(key), out, err);
            case FieldType::object:
                return encode_object(v, t, dotted(key), out, err);
        }
        return wrong();
    }

    static bool is_allowed(const FieldSpec& fs, std::string_view s) {
        for (auto a : fs.allowed)
            if (a == s) return true;
        return false;
    }

    static bool encode_string_array(value& v, json_type t, const std::string& name,
                                    std::string& out, DecodeError& err) {
        auto wrong = [&] {
            return fail(err, name, fmt::format("field '{}' must be an array of strings", name));
        };
        simdjson::ondemand::array arr;
        if (t != json_type::array || v.get_array().get(arr)) return wrong();
        out.push_back('[');
        bool first = true;
        for (auto item : arr) {
            std::string_view s;
            if (item.get_string().get(s)) return wrong();
            if (!first) out.push_back(',');
            first = false;
            append_json_string(out, s);
        }
        out.push_back(']');
        return true;
    }

    // A free-form object (headers, timing): checked to be an object, copied as it came.
    static bool encode_object(value& v, json_type t, const std::string& name, std::string& out,
                              DecodeError& err) {
        simdjson::ondemand::object o;
        std::string_view raw;
        if (t != json_type::object || v.get_object().get(o))
            return fail(err, name, fmt::format("field '{}' must be an object", name));
        if (auto e = o.raw_json().get(raw)) return json_error(e, err, name);
        while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' ||
                                raw.back() == '\t'))
            raw.remove_suffix(1);  // raw_json() keeps trailing whitespace
        out.append(raw);
        return true;
    }

    simdjson::ondemand::parser parser_;
    std::string buf_;
};

}  // namespace faultline
