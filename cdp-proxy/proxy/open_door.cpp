#include "proxy/open_door.hpp"

#include <arpa/inet.h>

#include "faultline/host_port.hpp"

namespace faultline::proxy {

bool is_loopback_listen(std::string_view listen) {
    HostPort hp;
    std::string error;
    if (!parse_host_port(listen, hp, error)) return false;  // the listener reports that itself
    const std::string& h = hp.host;
    in_addr v4{};
    return h == "localhost" || h == "::1" ||
           (inet_pton(AF_INET, h.c_str(), &v4) == 1 && h.starts_with("127."));
}

namespace {

// The listeners open to other machines, as "--cdp-listen 0.0.0.0:9222" etc.
std::string open_listeners(std::string_view cdp_listen, std::string_view api_listen) {
    std::string open;
    if (!is_loopback_listen(cdp_listen)) open += "--cdp-listen " + std::string(cdp_listen);
    if (!is_loopback_listen(api_listen)) {
        if (!open.empty()) open += " and ";
        open += "--api-listen " + std::string(api_listen);
    }
    return open;
}

}  // namespace

std::string open_door_refusal(std::string_view cdp_listen, std::string_view api_listen,
                              std::string_view token, bool allow_unauthenticated) {
    if (!token.empty() || allow_unauthenticated) return "";
    const std::string open = open_listeners(cdp_listen, api_listen);
    if (open.empty()) return "";
    return open +
           " is reachable from other machines and no --token is set: anyone who can reach it "
           "could drive the browser. Set --token (FAULTLINE_TOKEN), listen on 127.0.0.1, or, "
           "when a platform authenticates in front of this machine, pass "
           "--allow-unauthenticated (FAULTLINE_ALLOW_UNAUTHENTICATED=1)";
}

std::string open_door_warning(std::string_view cdp_listen, std::string_view api_listen,
                              std::string_view token, bool allow_unauthenticated) {
    if (!token.empty() || !allow_unauthenticated) return "";
    const std::string open = open_listeners(cdp_listen, api_listen);
    if (open.empty()) return "";
    return "warning: --allow-unauthenticated: " + open +
           " accepts anyone who can reach it (no --token)";
}

}  // namespace faultline::proxy
