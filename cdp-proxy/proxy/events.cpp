#include "proxy/events.hpp"

#include <atomic>
#include <random>

#include "faultline/json_writer.hpp"

namespace faultline::proxy {

std::string next_connection_id() {
    static const std::string instance = [] {
        std::random_device rd;
        return fmt::format("{:08x}", rd());
    }();
    static std::atomic<uint64_t> counter{0};
    return fmt::format("{}-{}", instance, ++counter);
}

faultline::Event connect_event(const ConnectionInfo& info, const faultline::Source& source) {
    faultline::JsonObject data;
    data.add("connection_id", info.id)
        .add("client_addr", info.client_addr)
        .add("path", info.path)
        .add("target", info.target);
    if (!info.upstream_url.empty()) data.add("upstream_url", info.upstream_url);
    return faultline::make_event("cdp_connect", data.finish(), source);
}

faultline::Event disconnect_event(const ConnectionInfo& info, const ConnectionEnd& end,
                                  DisconnectReason reason, const faultline::Source& source) {
    const auto duration =
        std::chrono::duration_cast<std::chrono::milliseconds>(end.ended - info.started).count();
    faultline::JsonObject data;
    data.add("connection_id", info.id)
        .add("reason", std::string(to_string(reason)))
        .add("duration_ms", static_cast<int64_t>(duration < 0 ? 0 : duration))
        .add("messages_from_client", static_cast<int64_t>(end.from_client.messages))
        .add("messages_from_upstream", static_cast<int64_t>(end.from_upstream.messages))
        .add("bytes_from_client", static_cast<int64_t>(end.from_client.bytes))
        .add("bytes_from_upstream", static_cast<int64_t>(end.from_upstream.bytes));
    if (end.close_code) data.add("close_code", static_cast<int64_t>(*end.close_code));
    faultline::Event e = faultline::make_event("cdp_disconnect", data.finish(), source);
    if (!end.ts.empty()) e.ts = end.ts;
    return e;
}

faultline::Event command_event(const CommandObserved& observed, const faultline::Source& source) {
    const CommandRecord& c = observed.record;
    faultline::JsonObject data;
    data.add("connection_id", observed.connection_id);
    if (!c.session_id.empty()) data.add("session_id", c.session_id);
    data.add("id", c.id).add("method", c.method);
    if (c.duration_ms) data.add("duration_ms", *c.duration_ms);
    if (c.error_code) data.add("error_code", *c.error_code);
    if (c.error_code || !c.error_message.empty()) data.add("error_message", c.error_message);
    data.add("command_bytes", static_cast<int64_t>(c.command_bytes));
    if (c.reply_bytes) data.add("reply_bytes", static_cast<int64_t>(*c.reply_bytes));
    if (c.disconnect_reason)
        data.add("disconnect_reason", std::string(to_string(*c.disconnect_reason)));
    return faultline::make_event("cdp_command", data.finish(), source, observed.at);
}

}  // namespace faultline::proxy
