// Why a relayed CDP connection ended, decided from which side ended the relay first and what
// the upstream URL did around that moment.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace faultline::proxy {

// What the relay observed when it ended.
enum class EndCause {
    client_ended,           // the client closed or reset its socket (or sent a Close frame first)
    slow_client,            // the client stopped reading for --slow-client-timeout: cut off
    client_protocol_error,  // the client sent a frame that breaks RFC 6455: cut off (1002)
    upstream_ended,         // Chromium closed or reset the socket
    upstream_replaced,      // the upstream URL changed while connected: the stale socket was closed
    shutdown,               // the proxy is stopping
};

// target_closed: Chromium ended a page socket because its target went away (closed by another
// client, or its renderer gone) while the browser lives on.
enum class DisconnectReason {
    client_close,
    upstream_changed,
    upstream_error,
    context_cancelled,
    target_closed,
};

std::string_view to_string(DisconnectReason r);
std::string_view to_string(EndCause c);

// The reason when it is known at once, or nullopt when the relay ended on the upstream side
// with the URL unchanged: then wait (up to --restart-confirm-wait) for a new URL and call
// reason_after_wait. A client that sent a Close frame started the closing handshake, so
// Chromium's EOF that follows is still client_close.
std::optional<DisconnectReason> immediate_reason(EndCause cause, bool client_sent_close,
                                                 bool url_changed_since_dial);

// What the client is told in the Close frame: a code and a reason that starts with the
// cdp_disconnect reason word. detail (may be empty) follows it after ": ".
struct CloseNotice {
    uint16_t code;
    std::string reason;
};
CloseNotice close_notice(DisconnectReason r, EndCause cause, std::string_view detail);

// The reason after waiting for a new upstream URL: a new one means Chromium restarted.
DisconnectReason reason_after_wait(bool url_changed);

}  // namespace faultline::proxy
