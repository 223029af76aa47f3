#include "pressure/replay_sample.hpp"

#include <cmath>

#include "faultline/json_writer.hpp"

namespace faultline::kmsgmon {

namespace {

using simdjson::ondemand::json_type;
using simdjson::ondemand::value;

bool number(value v, double& out) {
    json_type t;
    if (v.type().get(t) || t != json_type::number) return false;
    return !v.get_double().get(out) && std::isfinite(out);
}

bool size_kb(value v, int64_t& out) {
    json_type t;
    if (v.type().get(t) || t != json_type::number) return false;
    return !v.get_int64().get(out) && out >= 0;
}

// A PSI percentage: null leaves out empty. Returns false when it is neither null nor 0..100.
bool percent(value v, std::optional<double>& out) {
    json_type t;
    if (v.type().get(t)) return false;
    if (t == json_type::null) return true;
    double d;
    if (!number(v, d) || d < 0 || d > 100) return false;
    out = d;
    return true;
}

// A string field: "cgroup"/"host" for scope, any string for cgroup.
bool text(value v, std::string& out) {
    std::string_view sv;
    if (v.get_string().get(sv)) return false;
    out = std::string(sv);
    return true;
}

}  // namespace

bool SampleParser::parse(std::string_view line, PressureSample& out, std::string& error) {
    buf_.assign(line);
    buf_.reserve(line.size() + simdjson::SIMDJSON_PADDING);
    simdjson::padded_string_view input(buf_.data(), buf_.size(), buf_.capacity());
    simdjson::ondemand::document doc;
    simdjson::ondemand::object obj;
    if (parser_.iterate(input).get(doc) || doc.get_object().get(obj)) {
        error = "expected one JSON object per line";
        return false;
    }
    PressureSample s;
    unsigned seen = 0;  // bit per required field
    for (auto f : obj) {
        simdjson::ondemand::field field;
        std::string_view key;
        if (std::move(f).get(field) || field.unescaped_key().get(key)) {
            error = "invalid JSON";
            return false;
        }
        value v = field.value();
        bool ok = true;
        if (key == "t")
            ok = number(v, s.t), seen |= 1;
        else if (key == "mem_total_kb")
            ok = size_kb(v, s.mem_total_kb), seen |= 2;
        else if (key == "mem_available_kb")
            ok = size_kb(v, s.mem_available_kb), seen |= 4;
        else if (key == "swap_total_kb")
            ok = size_kb(v, s.swap_total_kb), seen |= 8;
        else if (key == "swap_free_kb")
            ok = size_kb(v, s.swap_free_kb), seen |= 16;
        else if (key == "psi_some_avg10")
            ok = percent(v, s.psi_some_avg10);
        else if (key == "psi_full_avg10")
            ok = percent(v, s.psi_full_avg10);
        else if (key == "scope")
            ok = text(v, s.scope) && (s.scope == "cgroup" || s.scope == "host");
        else if (key == "cgroup")
            ok = text(v, s.cgroup);
        else if (key == "psi_scope")
            ok = text(v, s.psi_scope) && (s.psi_scope == "cgroup" || s.psi_scope == "host");
        else if (key == "pressure_level") {
            std::string level;
            ok = text(v, level) && (s.pressure_level = parse_vm_pressure(level));
        }
        if (!ok) {
            error = "bad value for '" + std::string(key) + "'";
            return false;
        }
    }
    const char* loc = nullptr;
    if (doc.current_location().get(loc) != simdjson::OUT_OF_BOUNDS) {
        error = "trailing content after the object";
        return false;
    }
    static const char* const kRequired[] = {"t", "mem_total_kb", "mem_available_kb",
                                            "swap_total_kb", "swap_free_kb"};
    for (unsigned i = 0; i < 5; ++i)
        if (!(seen & (1u << i))) {
            error = std::string("missing field '") + kRequired[i] + "'";
            return false;
        }
    if (s.mem_available_kb > s.mem_total_kb || s.swap_free_kb > s.swap_total_kb) {
        error = "mem_available_kb/swap_free_kb larger than their totals";
        return false;
    }
    out = s;
    return true;
}

std::string format_sample(const PressureSample& s) {
    faultline::JsonObject o;
    o.add("t", std::abs(s.t) < 1e12 ? std::round(s.t * 1000) / 1000 : s.t)
        .add("mem_total_kb", s.mem_total_kb)
        .add("mem_available_kb", s.mem_available_kb)
        .add("swap_total_kb", s.swap_total_kb)
        .add("swap_free_kb", s.swap_free_kb);
    if (s.psi_some_avg10)
        o.add("psi_some_avg10", *s.psi_some_avg10);
    else
        o.add("psi_some_avg10", nullptr);
    if (s.psi_full_avg10)
        o.add("psi_full_avg10", *s.psi_full_avg10);
    else
        o.add("psi_full_avg10", nullptr);
    if (!s.scope.empty()) o.add("scope", s.scope);
    if (!s.cgroup.empty()) o.add("cgroup", s.cgroup);
    if (!s.psi_scope.empty()) o.add("psi_scope", s.psi_scope);
    if (s.pressure_level) o.add("pressure_level", vm_pressure_name(*s.pressure_level));
    return o.finish();
}

}  // namespace faultline::kmsgmon
