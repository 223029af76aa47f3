#include "hub/http/auth.hpp"

#include <arpa/inet.h>

#include <string>

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
    if (token.empty() || !authorization.starts_with("Bearer ")) return false;
    std::string_view given = authorization.substr(7);
    if (given.size() != token.size()) return false;
    unsigned char diff = 0;  // constant time over the token length
    for (size_t i = 0; i < token.size(); ++i)
        diff |= static_cast<unsigned char>(given[i] ^ token[i]);
    return diff == 0;
}

}  // namespace faultline::hub
