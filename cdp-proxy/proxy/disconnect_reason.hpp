// Why a relayed CDP connection ended, decided from which side ended the relay first and what
// the upstream URL did around that moment.
#pragma once

#include <optional>
#include <string_view>

namespace faultline::proxy {

// What the relay observed when it ended.
enum class EndCause {
    client_ended,       // the client closed or reset its socket (or sent a Close frame first)
    slow_client,        // the client stopped reading for --slow-client-timeout: cut off
    upstream_ended,     // Chromium closed or reset the socket
    upstream_replaced,  // the upstream URL changed while connected: the stale socket was closed
    shutdown,           // the proxy is stopping
};

enum class DisconnectReason { client_close, upstream_changed, upstream_error, context_cancelled };

std::string_view to_string(DisconnectReason r);
std::string_view to_string(EndCause c);

// The reason when it is known at once, or nullopt when the relay ended on the upstream side
// with the URL unchanged: then wait (up to --restart-confirm-wait) for a new URL and call
// reason_after_wait. A client that sent a Close frame started the closing handshake, so
// Chromium's EOF that follows is still client_close.
std::optional<DisconnectReason> immediate_reason(EndCause cause, bool client_sent_close,
                                                 bool url_changed_since_dial);

// The reason after waiting for a new upstream URL: a new one means Chromium restarted.
DisconnectReason reason_after_wait(bool url_changed);

}  // namespace faultline::proxy
