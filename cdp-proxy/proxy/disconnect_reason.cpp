#include "proxy/disconnect_reason.hpp"

namespace faultline::proxy {

std::string_view to_string(DisconnectReason r) {
    switch (r) {
        case DisconnectReason::client_close:
            return "client_close";
        case DisconnectReason::upstream_changed:
            return "upstream_changed";
        case DisconnectReason::upstream_error:
            return "upstream_error";
        case DisconnectReason::context_cancelled:
            return "context_cancelled";
        case DisconnectReason::target_closed:
            return "target_closed";
    }
    return "upstream_error";
}

std::string_view to_string(EndCause c) {
    switch (c) {
        case EndCause::client_ended:
            return "client ended the connection";
        case EndCause::slow_client:
            return "client stopped reading";
        case EndCause::client_protocol_error:
            return "client broke the WebSocket protocol";
        case EndCause::upstream_ended:
            return "Chromium ended the connection";
        case EndCause::upstream_replaced:
            return "upstream URL changed";
        case EndCause::shutdown:
            return "proxy shutting down";
    }
    return "unknown";
}

std::optional<DisconnectReason> immediate_reason(EndCause cause, bool client_sent_close,
                                                 bool url_changed_since_dial) {
    switch (cause) {
        case EndCause::shutdown:
            return DisconnectReason::context_cancelled;
        case EndCause::client_ended:
        case EndCause::slow_client:
        case EndCause::client_protocol_error:
            return DisconnectReason::client_close;
        case EndCause::upstream_replaced:
            return DisconnectReason::upstream_changed;
        case EndCause::upstream_ended:
            if (client_sent_close) return DisconnectReason::client_close;
            if (url_changed_since_dial) return DisconnectReason::upstream_changed;
            return std::nullopt;
    }
    return DisconnectReason::upstream_error;
}

CloseNotice close_notice(DisconnectReason r, EndCause cause, std::string_view detail) {
    // 1012 service restart, 1011 internal error (the upstream failed), 1001 going away,
    // 1008 policy violation (the slow-client rule), 1002 protocol error, 1000 normal.
    uint16_t code = 1000;
    switch (r) {
        case DisconnectReason::upstream_changed:
            code = 1012;
            break;
        case DisconnectReason::upstream_error:
            code = 1011;
            break;
        case DisconnectReason::context_cancelled:
        case DisconnectReason::target_closed:
            code = 1001;
            break;
        case DisconnectReason::client_close:
            code = cause == EndCause::slow_client             ? 1008
                   : cause == EndCause::client_protocol_error ? 1002
                                                              : 1000;
            break;
    }
    std::string text(to_string(r));
    if (!detail.empty()) text.append(": ").append(detail);
    return {code, std::move(text)};
}

DisconnectReason reason_after_wait(bool url_changed) {
    return url_changed ? DisconnectReason::upstream_changed : DisconnectReason::upstream_error;
}

}  // namespace faultline::proxy
