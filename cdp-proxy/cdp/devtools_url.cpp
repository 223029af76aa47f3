#include "cdp/devtools_url.hpp"

#include <simdjson.h>

namespace faultline::cdp {

std::optional<DevtoolsUrl> parse_devtools_url(std::string_view url) {
    constexpr std::string_view scheme = "ws://";
    if (!url.starts_with(scheme)) return std::nullopt;
    size_t slash = url.find('/', scheme.size());
    if (slash == std::string_view::npos) return std::nullopt;
    DevtoolsUrl out;
    out.authority = std::string(url.substr(scheme.size(), slash - scheme.size()));
    std::string error;
    if (!parse_host_port(out.authority, out.address, error) || out.address.host.empty() ||
        out.address.port == 0)
        return std::nullopt;
    out.path = std::string(url.substr(slash));
    for (char c : out.path)
        if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f)
            return std::nullopt;
    out.url = std::string(url);
    return out;
}

std::optional<std::string> devtools_url_from_log_line(std::string_view line) {
    constexpr std::string_view marker = "DevTools listening on ";
    size_t at = line.find(marker);
    if (at == std::string_view::npos) return std::nullopt;
    std::string_view rest = line.substr(at + marker.size());
    size_t end = rest.find_first_of(" \t\r\n");
    std::string_view url = rest.substr(0, end);
    if (!parse_devtools_url(url)) return std::nullopt;
    return std::string(url);
}

std::optional<std::string> version_ws_url(std::string_view json) {
    simdjson::padded_string padded(json);
    simdjson::ondemand::parser parser;
    simdjson::ondemand::document doc;
    std::string_view url;
    if (parser.iterate(padded).get(doc) || doc["webSocketDebuggerUrl"].get_string().get(url))
        return std::nullopt;
    return std::string(url);
}

}  // namespace faultline::cdp
