// Decoding and validation of one memory sample (POST /telemetry/samples), simdjson On-Demand.
// Strict like the event decoder: unknown or duplicate fields, wrong types, values out of range,
// missing required fields and trailing content are errors naming the field.
#pragma once

#include <fmt/format.h>
#include <simdjson.h>

#include <array>
#include <bitset>
#include <string>
#include <string_view>

#include "memory_sample.hpp"

namespace faultline {

struct SampleDecodeError {
    std::string message;  // human-readable; names the field
    std::string field;    // "ts_ms", "psi_some_avg10", ... or empty when the JSON is broken
};

class MemorySampleDecoder {
  public:
    // Parses json into out. Returns false and fills err on any problem; out is then unspecified.
    bool decode(std::string_view json, MemorySample& out, SampleDecodeError& err) {
        buf_.assign(json);
        buf_.reserve(json.size() + simdjson::SIMDJSON_PADDING);
        simdjson::padded_string_view input(buf_.data(), buf_.size(), buf_.capacity());
        simdjson::ondemand::document doc;
        if (auto e = parser_.iterate(input).get(doc)) return json_error(e, err);
        simdjson::ondemand::object obj;
        if (auto e = doc.get_object().get(obj)) return json_error(e, err);
        out = MemorySample{};
        std::bitset<kFields.size()> seen;
        for (auto f : obj) {
            simdjson::ondemand::field field;
            std::string_view key;
            if (auto e = std::move(f).get(field)) return json_error(e, err);
            if (auto e = field.unescaped_key().get(key)) return json_error(e, err);
            size_t idx = 0;
            while (idx < kFields.size() && kFields[idx] != key) ++idx;
            const std::string name(key);
            if (idx == kFields.size())
                return fail(err, name, fmt::format("unknown field '{}'", key));
            if (seen[idx]) return fail(err, name, fmt::format("duplicate field '{}'", key));
            seen[idx] = true;
            simdjson::ondemand::value v = field.value();
            if (!field_value(idx, v, out, err)) return false;
        }
        const char* loc = nullptr;
        if (doc.current_location().get(loc) != simdjson::OUT_OF_BOUNDS)
            return fail(err, "", "trailing content after the sample object");
        for (size_t i : {0, 1, 2, 4, 5, 6, 7})  // all but cgroup and the PSI averages
            if (!seen[i])
                return fail(err, std::string(kFields[i]),
                            fmt::format("missing required field '{}'", kFields[i]));
        if (out.scope == "cgroup" && !seen[3])
            return fail(err, "cgroup", "missing field 'cgroup' (required with scope \"cgroup\")");
        if (out.scope == "host" && seen[3])
            return fail(err, "cgroup", "field 'cgroup' is only allowed with scope \"cgroup\"");
        return true;
    }

  private:
    static constexpr std::array<std::string_view, 10> kFields = {
        "ts_ms",         "host",         "scope",
        "cgroup",        "mem_total_kb", "mem_available_kb",
        "swap_total_kb", "swap_free_kb", "psi_some_avg10",
        "psi_full_avg10"};

    static bool fail(SampleDecodeError& err, std::string field, std::string msg) {
        err.field = std::move(field);
        err.message = std::move(msg);
        return false;
    }
    static bool json_error(simdjson::error_code e, SampleDecodeError& err) {
        if (e == simdjson::UTF8_ERROR) return fail(err, "", "invalid UTF-8 in input");
        if (e == simdjson::EMPTY) return fail(err, "", "empty input: expected a JSON object");
        if (e == simdjson::INCORRECT_TYPE) return fail(err, "", "a sample must be a JSON object");
        return fail(err, "", fmt::format("invalid JSON: {}", simdjson::error_message(e)));
    }

    static bool string_field(simdjson::ondemand::value& v, std::string_view name, size_t max,
                             std::string& out, SampleDecodeError& err) {
        std::string_view s;
        if (v.get_string().get(s))
            return fail(err, std::string(name), fmt::format("field '{}' must be a string", name));
        if (s.empty() || s.size() > max)
            return fail(err, std::string(name),
                        fmt::format("field '{}' must be 1 to {} bytes long", name, max));
        out.assign(s);
        return true;
    }

    static bool kb_field(simdjson::ondemand::value& v, std::string_view name, int64_t& out,
                         SampleDecodeError& err) {
        if (v.get_int64().get(out) || out < 0 || out > kMaxSampleKb)
            return fail(
                err, std::string(name),
                fmt::format("field '{}' must be an integer from 0 to {} (kB)", name, kMaxSampleKb));
        return true;
    }

    static bool psi_field(simdjson::ondemand::value& v, std::string_view name,
                          std::optional<double>& out, SampleDecodeError& err) {
        simdjson::ondemand::json_type t;
        if (v.type().get(t) == simdjson::SUCCESS && t == simdjson::ondemand::json_type::null)
            return true;  // null = unknown, like leaving it out
        double d = 0;
        if (v.get_double().get(d) || !(d >= 0 && d <= 100))
            return fail(err, std::string(name),
                        fmt::format("field '{}' must be a number from 0 to 100 (percent)", name));
        out = d;
        return true;
    }

    static bool field_value(size_t idx, simdjson::ondemand::value& v, MemorySample& out,
                            SampleDecodeError& err) {
        switch (idx) {
            case 0:
                if (v.get_int64().get(out.ts_ms) || out.ts_ms <= 0)
                    return fail(err, "ts_ms",
                                "field 'ts_ms' must be a positive integer (wall-clock ms)");
                return true;
            case 1:
                return string_field(v, "host", kMaxSampleHostBytes, out.host, err);
            case 2: {
                std::string_view s;
                if (v.get_string().get(s) || (s != "host" && s != "cgroup"))
                    return fail(err, "scope", "field 'scope' must be \"host\" or \"cgroup\"");
                out.scope.assign(s);
                return true;
            }
            case 3:
                return string_field(v, "cgroup", kMaxSampleCgroupBytes, out.cgroup, err);
            case 4:
                return kb_field(v, "mem_total_kb", out.mem_total_kb, err);
            case 5:
                return kb_field(v, "mem_available_kb", out.mem_available_kb, err);
            case 6:
                return kb_field(v, "swap_total_kb", out.swap_total_kb, err);
            case 7:
                return kb_field(v, "swap_free_kb", out.swap_free_kb, err);
            case 8:
                return psi_field(v, "psi_some_avg10", out.psi_some_avg10, err);
            default:
                return psi_field(v, "psi_full_avg10", out.psi_full_avg10, err);
        }
    }

    simdjson::ondemand::parser parser_;
    std::string buf_;
};

}  // namespace faultline
