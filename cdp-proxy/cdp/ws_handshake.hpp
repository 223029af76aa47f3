// The client side of a WebSocket opening handshake (RFC 6455 §4.2.1) as the proxy checks it,
// and the request the proxy forwards to Chromium in its place.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "cdp/http_head.hpp"

namespace faultline::cdp {

// True when the request asks for a WebSocket upgrade (Upgrade: websocket + Connection: upgrade).
bool is_websocket_upgrade(const HttpRequest& req);

// Checks a WebSocket upgrade request. Returns nullopt when it is acceptable, else the error to
// answer: 400 (not GET, not HTTP/1.1, missing/invalid Sec-WebSocket-Key), 426 (version not 13).
// Not bool + error string: what it returns is the HTTP answer itself, status included.
std::optional<HttpError> check_websocket_upgrade(const HttpRequest& req);

// Which Chromium target a /devtools/... path names.
struct DevtoolsPath {
    enum class Kind { browser, page } kind;
    std::string id;  // the id the client holds (may be empty for /devtools/browser)
};

// Parses "/devtools/browser[/<id>]" or "/devtools/page/<id>" (path only, no query).
// Returns nullopt for any other path or an id with characters outside [A-Za-z0-9._-].
std::optional<DevtoolsPath> parse_devtools_path(std::string_view path);

// The query string with every "token=" parameter removed ("" when nothing is left).
std::string strip_token_param(std::string_view query);

// The value of the first "token=" parameter in the query, if any (not percent-decoded).
std::optional<std::string> token_param(std::string_view query);

// Builds the upgrade request for Chromium: same headers as the client's, except Host (set to
// upstream_host), Origin (removed; Chromium would reject it), Sec-WebSocket-Extensions
// (removed: no compression, so the relay can read message heads), and Authorization when
// drop_authorization (it carried the proxy's own token). The request target is upstream_target.
std::string build_upstream_handshake(const HttpRequest& req, std::string_view upstream_target,
                                     std::string_view upstream_host, bool drop_authorization);

}  // namespace faultline::cdp
