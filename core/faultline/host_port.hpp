// The one "host:port" parser: listen addresses, upstream addresses, URL authorities.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

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

// A URL's authority: "host[:port]" or "[v6][:port]", default_port when it names none. The same
// grammar as parse_host_port, but the host may not be empty, the port not 0, and nothing that
// ends an authority ('/', '?', '#', '@', ',', whitespace) may appear in it.
inline bool parse_authority(std::string_view text, uint16_t default_port, HostPort& out,
                            std::string& error) {
    if (text.find_first_of("/?#@, \t\r\n") != std::string_view::npos) {
        error = "a host[:port] holds no '/', '?', '#', '@', ',' or whitespace";
        return false;
    }
    const bool has_port = text.starts_with('[') ? text.find("]:") != std::string_view::npos
                                                : text.find(':') != std::string_view::npos;
    std::string full(text);
    if (!has_port) full += ":" + std::to_string(default_port);
    HostPort hp;
    if (!parse_host_port(full, hp, error)) return false;
    if (hp.host.empty() || hp.port == 0) {
        error = hp.host.empty() ? "no host" : "port must be a number from 1 to 65535";
        return false;
    }
    out = std::move(hp);
    return true;
}

// "host:port", with brackets around an IPv6 host: what parse_host_port reads back.
inline std::string format_host_port(const HostPort& hp) {
    const bool v6 = hp.host.find(':') != std::string::npos;
    return (v6 ? "[" + hp.host + "]" : hp.host) + ":" + std::to_string(hp.port);
}

}  // namespace faultline
