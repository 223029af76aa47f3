// Refusing an open door: a CDP endpoint (or telemetry API) reachable from other machines with no
// --token lets anyone drive the browser (read its cookies, run script in every page). Such a
// start is refused unless --allow-unauthenticated says a platform authenticates in front.
#pragma once

#include <string>
#include <string_view>

namespace faultline::proxy {

// Whether a listen address ("host:port") reaches only this machine: 127.0.0.0/8, ::1,
// localhost. An empty host (":port"), 0.0.0.0, :: and any other address are not.
bool is_loopback_listen(std::string_view listen);

// The start-up check. Returns "" when the start may go on, else the refusal (exit 2) naming the
// open listener, --token and --allow-unauthenticated.
std::string open_door_refusal(std::string_view cdp_listen, std::string_view api_listen,
                              std::string_view token, bool allow_unauthenticated);

// The one warning line for a start with the opt-out and an open listener ("" when none is due).
std::string open_door_warning(std::string_view cdp_listen, std::string_view api_listen,
                              std::string_view token, bool allow_unauthenticated);

}  // namespace faultline::proxy
