// The one "host:port" parser: listen addresses, upstream addresses, URL authorities.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace faultline {

// A host and port split from "host:port", "[v6]:port" or ":port" (empty host).
struct HostPort {
    std::string host;  // without brackets for IPv6; empty for ":port"
    uint16_t port = 0;
};

// Parses "host:port", "[::1]:port" or ":port" (port 0 to 65535). Returns false with error set
// when malformed (a stray bracket, an unbracketed IPv6 address, a bad port); out is then
// unchanged.
inline bool parse_host_port(std::string_view text, HostPort& out, std::string& error) {
    std::string_view host, port;
    if (text.starts_with('[')) {
        const size_t close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
            error = "expected [ipv6]:port";
            return false;
        }
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
    } else {
        const size_t colon = text.rfind(':');
        if (colon == std::string_view::npos) {
            error = "expected host:port";
            return false;
        }
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
        if (host.find(':') != std::string_view::npos) {
            error = "an IPv6 address needs brackets: [addr]:port";
            return false;
        }
    }
    if (host.find_first_of("[]") != std::string_view::npos) {
        error = "brackets only around a whole IPv6 address: [addr]:port";
        return false;
    }
    unsigned p = 0;
    auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (port.empty() || ec != std::errc() || ptr != port.data() + port.size() || p > 65535) {
        error = "port must be a number from 0 to 65535";
        return false;
    }
    out.host = std::string(host);
    out.port = static_cast<uint16_t>(p);
    return true;
}

// "host:port", with brackets around an IPv6 host: what parse_host_port reads back.
inline std::string format_host_port(const HostPort& hp) {
    const bool v6 = hp.host.find(':') != std::string::npos;
    return (v6 ? "[" + hp.host + "]" : hp.host) + ":" + std::to_string(hp.port);
}

}  // namespace faultline
