// Rewrites the DevTools URLs inside Chromium's /json/version, /json/list and /json/new answers
// so they point at the proxy as the client addressed it: webSocketDebuggerUrl
// ("ws://<host>/devtools/...") and the ws= parameter of devtoolsFrontendUrl. Everything else in
// the document is kept byte for byte (Chromium's formatting included).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace faultline::proxy {

struct PublicEndpoint {
    std::string host;      // host[:port] as the client addressed the proxy (its Host header)
    bool secure = false;   // behind a TLS front (X-Forwarded-Proto: https): wss
    std::string ws_query;  // appended to webSocketDebuggerUrl, e.g. "token=abc" ("" = none)
};

// webSocketDebuggerUrl: "ws://any-host/devtools/x" -> "<ws|wss>://<host>/devtools/x[?query]".
// Returns nullopt when the value is not a ws:// or wss:// URL with a path.
std::optional<std::string> rewrite_ws_url(std::string_view url, const PublicEndpoint& ep);

// devtoolsFrontendUrl: the value of the ws= (or wss=) query parameter "host/devtools/..." gets
// the public host (and becomes wss= when secure). Returns nullopt when there is no such
// parameter.
std::optional<std::string> rewrite_frontend_url(std::string_view url, const PublicEndpoint& ep);

// Rewrites both fields in every top-level object of the document (an object, or an array of
// objects). Returns the rewritten document, or nullopt when it is not valid JSON of that shape
// (the caller then passes the original through).
std::optional<std::string> rewrite_devtools_json(std::string_view json, const PublicEndpoint& ep);

// True when a Host header value is safe to echo into URLs: 1-255 chars of letters, digits,
// '.', '-', '_', ':', '[' and ']'.
bool is_valid_host_header(std::string_view host);

}  // namespace faultline::proxy
