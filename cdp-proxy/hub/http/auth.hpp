// Who may use the telemetry API: loopback always, others with the bearer token.
#pragma once

#include <string_view>

namespace faultline::hub {

// True for 127.0.0.0/8, ::1 and IPv4-mapped loopback (::ffff:127.x.y.z).
bool is_loopback(std::string_view addr);

// Whether a producer may publish: loopback always; others only when a token is configured
// and the Authorization header is "Bearer <token>" (see faultline::bearer_matches).
bool producer_allowed(std::string_view remote_addr, std::string_view authorization,
                      std::string_view token);

}  // namespace faultline::hub
