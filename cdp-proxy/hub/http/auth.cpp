#include "hub/http/auth.hpp"

#include <arpa/inet.h>

#include <string>

#include "faultline/bearer.hpp"

namespace faultline::hub {

bool is_loopback(std::string_view addr) {
    std::string a(addr);
    in_addr v4{};
    if (inet_pton(AF_INET, a.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
    in6_addr v6{};
    if (inet_pton(AF_INET6, a.c_str(), &v6) != 1) return false;
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
}

bool producer_allowed(std::string_view remote_addr, std::string_view authorization,
                      std::string_view token) {
    if (is_loopback(remote_addr)) return true;
    return bearer_matches(authorization, token);
}

}  // namespace faultline::hub
