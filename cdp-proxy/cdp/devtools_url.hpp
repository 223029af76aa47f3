// Chromium's DevTools WebSocket URL ("ws://127.0.0.1:9223/devtools/browser/<uuid>") as the
// proxy learns it from Chromium's log or from /json/version.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "faultline/host_port.hpp"

namespace faultline::cdp {

struct DevtoolsUrl {
    std::string url;        // the whole URL as Chromium printed it
    std::string authority;  // "127.0.0.1:9223": what Chromium accepts as Host
    HostPort address;       // where to dial
    std::string path;       // "/devtools/browser/<uuid>"
};

// Parses "ws://host:port/path". Returns nullopt when it is not such a URL.
std::optional<DevtoolsUrl> parse_devtools_url(std::string_view url);

// The URL from a Chromium log line containing "DevTools listening on ws://...", or nullopt.
std::optional<std::string> devtools_url_from_log_line(std::string_view line);

// The webSocketDebuggerUrl of a /json/version answer, or nullopt when absent or not JSON.
std::optional<std::string> version_ws_url(std::string_view json);

}  // namespace faultline::cdp
