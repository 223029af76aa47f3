// One readable terminal line per event envelope: local time, seq, type and the few data fields
// that matter for that type. Used by faultline-tail; never fails (odd input prints as-is).
#pragma once

#include <fmt/format.h>
#include <simdjson.h>

#include <ctime>
#include <string>
#include <string_view>
#include <vector>

namespace faultline::tail {

// Renders a scalar or array value compactly: strings unquoted, arrays comma-joined.
inline std::string value_text(simdjson::dom::element v) {
    switch (v.type()) {
        case simdjson::dom::element_type::STRING:
            return std::string(v.get_string().value());
        case simdjson::dom::element_type::NULL_VALUE:
            return "null";
        case simdjson::dom::element_type::ARRAY: {
            std::string out;
            simdjson::dom::array items = v.get_array().value();
            for (auto item : items) {
                if (!out.empty()) out.push_back(',');
                out += value_text(item);
            }
            return out;
        }
        default:
            return simdjson::minify(v);
    }
}

// "key=value" for each listed data field that is present and not null.
inline std::string pick(simdjson::dom::object data, std::initializer_list<const char*> keys) {
    std::string out;
    for (const char* k : keys) {
        simdjson::dom::element v;
        if (data.at_key(k).get(v) || v.is_null()) continue;
        fmt::format_to(std::back_inserter(out), " {}={}", k, value_text(v));
    }
    return out;
}

// The fields worth a glance for each event type; unknown types show their whole data.
inline std::string summary(std::string_view type, simdjson::dom::object d) {
    if (type == "system_oom_kill")
        return pick(d, {"pid", "process_name", "anon_rss_kb", "constraint", "task_memcg"});
    if (type == "service_crashed") return pick(d, {"service_name", "pid", "from_state", "fatal"});
    if (type == "memory_pressure")
        return pick(d, {"previous_level", "level", "reasons", "mem_available_kb", "swap_free_kb",
                        "eta_seconds"});
    if (type == "cdp_connect") return pick(d, {"connection_id", "client_addr", "target", "path"});
    if (type == "cdp_disconnect")
        return pick(d, {"connection_id", "reason", "duration_ms", "close_code"});
    if (type == "events_dropped") return pick(d, {"count", "from_seq", "to_seq", "reason"});
    if (type == "capture_session_started") return pick(d, {"capture_session_id", "categories"});
    if (type == "session_ended")
        return pick(d, {"capture_session_id", "duration_ms", "events_captured"});
    return " " + simdjson::minify(d);
}

// "HH:MM:SS" in local time from an RFC 3339 UTC timestamp; the raw text when it is not one.
inline std::string local_clock(std::string_view ts) {
    std::tm tm{};
    std::string s(ts);
    if (!strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) return s;
    time_t t = timegm(&tm);
    std::tm local{};
    localtime_r(&t, &local);
    return fmt::format("{:02}:{:02}:{:02}", local.tm_hour, local.tm_min, local.tm_sec);
}

// Formats one envelope. Returns the JSON text itself when it is not an envelope object.
inline std::string format_event_line(simdjson::dom::parser& parser, std::string_view json) {
    simdjson::dom::object env;
    if (parser.parse(json.data(), json.size()).get(env)) return std::string(json);
    std::string_view ts, type;
    uint64_t seq = 0;
    simdjson::dom::object data;
    if (env["ts"].get(ts) || env["type"].get(type)) return std::string(json);
    if (env["seq"].get(seq)) seq = 0;
    std::string line = fmt::format("{} {:>6} {:<24}", local_clock(ts), seq, type);
    if (!env["data"].get(data)) line += summary(type, data);
    std::string_view source;
    if (!env["source"]["kind"].get(source))
        fmt::format_to(std::back_inserter(line), "  [{}]", source);
    return line;
}

}  // namespace faultline::tail
