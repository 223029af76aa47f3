// The proxy's telemetry: cdp_connect and cdp_disconnect events (data fields as
// core/faultline/schema.hpp defines them).
#pragma once

#include <chrono>
#include <cstdint>
#include <ctime>
#include <functional>
#include <optional>
#include <string>

#include "cdp/event_sink.hpp"
#include "cdp/ws_frame.hpp"
#include "faultline/event.hpp"
#include "proxy/disconnect_reason.hpp"

namespace faultline::proxy {

using cdp::EventSink;

// What is known about a relayed connection from its handshake.
struct ConnectionInfo {
    std::string id;
    std::string client_addr;
    std::string path;          // the path the client asked for, without the query
    std::string target;        // "browser" or "page"
    std::string upstream_url;  // the Chromium WebSocket URL dialled ("" when none was known)
    std::string browser_url;   // Chromium's browser URL when dialled (to notice a restart)
    std::chrono::steady_clock::time_point started;
};

// What the relay saw when the connection ended (pinned at that moment).
struct ConnectionEnd {
    std::string ts;  // wall clock when the relay ended
    std::chrono::steady_clock::time_point ended;
    cdp::FrameStats from_client, from_upstream;
    std::optional<uint16_t> close_code;  // first Close frame seen in either direction
};

// One CDP command a client sent (cdp_command, category control). Params and results are never
// part of it.
struct CommandRecord {
    std::string session_id;
    int64_t id = 0;
    std::string method;
    uint64_t command_bytes = 0;
    std::chrono::steady_clock::time_point sent;
    std::optional<double> duration_ms;  // set when the reply came
    std::optional<int64_t> error_code;
    std::string error_message;
    std::optional<uint64_t> reply_bytes;
    std::optional<DisconnectReason> disconnect_reason;  // no reply before the connection ended
};

// A command as the relay saw it: answered (or not, when the connection ended) at `at`, the
// event's time. The relay hands these over unbuilt; building the event is the publisher's work.
struct CommandObserved {
    std::string connection_id;
    CommandRecord record;
    timespec at{};
};
using CommandSink = std::function<void(CommandObserved)>;

faultline::Event command_event(const CommandObserved& c, const faultline::Source& source);

// A process-unique connection id: "<8 hex random instance>-<n>".
std::string next_connection_id();

faultline::Event connect_event(const ConnectionInfo& info, const faultline::Source& source);

// The event's ts is the pinned end time, and duration_ms is measured to it.
faultline::Event disconnect_event(const ConnectionInfo& info, const ConnectionEnd& end,
                                  DisconnectReason reason, const faultline::Source& source);

}  // namespace faultline::proxy
