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
    }
    return "upstream_error";
}

std::string_view to_string(EndCause c) {
    switch (c) {
        case EndCause::client_ended:
            return "client ended the connection";
        case EndCause::slow_client:
            return "client stopped reading";
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

DisconnectReason reason_after_wait(bool url_changed) {
    return url_changed ? DisconnectReason::upstream_changed : DisconnectReason::upstream_error;
}

}  // namespace faultline::proxy
