#include "event_mapping.hpp"

#include <fmt/format.h>

#include "faultline/json_writer.hpp"
#include "listener_protocol.hpp"

namespace faultline::shim {

namespace {
Mapping malformed(std::string reason) {
    Mapping m;
    m.kind = Mapping::Kind::malformed;
    m.reason = std::move(reason);
    return m;
}

Mapping skip(std::string reason) {
    Mapping m;
    m.kind = Mapping::Kind::skip;
    m.reason = std::move(reason);
    return m;
}

// Reads processname, groupname and from_state (all required and non-empty) into `c`.
// Returns false with error naming the one missing.
bool read_names(const Tokens& toks, Crash& c, std::string& error) {
    for (auto [key, field] : {std::pair{"processname", &c.service_name},
                              {"groupname", &c.group_name},
                              {"from_state", &c.from_state}}) {
        auto v = token(toks, key);
        if (!v || v->empty()) return error = fmt::format("payload has no {}", key), false;
        *field = std::string(*v);
    }
    return true;
}
}  // namespace

Mapping map_event(std::string_view eventname, std::string_view payload) {
    const bool exited = eventname == "PROCESS_STATE_EXITED";
    const bool fatal = eventname == "PROCESS_STATE_FATAL";
    if (!exited && !fatal) return skip(fmt::format("{} is not reported", eventname));

    std::string_view head = payload.substr(0, payload.find('\n'));
    Tokens toks;
    std::string error;
    if (!split_tokens(head, toks, error)) return malformed("payload: " + error);
    Mapping m;
    m.kind = Mapping::Kind::crash;
    m.crash.fatal = fatal;
    if (!read_names(toks, m.crash, error)) return malformed(error);
    if (fatal) return m;

    auto expected = token(toks, "expected");
    if (!expected || (*expected != "0" && *expected != "1"))
        return malformed("payload expected is not 0 or 1");
    auto pid_text = token(toks, "pid");
    auto pid = pid_text ? parse_u64(*pid_text) : std::nullopt;
    if (!pid || *pid > static_cast<uint64_t>(INT64_MAX))
        return malformed("payload pid is missing or not a number");
    if (*expected == "1") return skip(fmt::format("{} exited as expected", m.crash.service_name));
    m.crash.pid = static_cast<int64_t>(*pid);
    return m;
}

std::string crash_data_json(const Crash& c) {
    return JsonObject()
        .add("service_name", c.service_name)
        .add("group_name", c.group_name)
        .add("from_state", c.from_state)
        .add_if("pid", c.pid)
        .add("expected", false)
        .add("fatal", c.fatal)
        .finish();
}

}  // namespace faultline::shim
