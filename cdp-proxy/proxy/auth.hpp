// --token: the proxy's own access check (Chromium's Host/Origin checks no longer protect it once
// the proxy forwards requests with its own Host and without Origin).
#pragma once

#include <string_view>

#include "cdp/http_head.hpp"

namespace faultline::proxy {

enum class TokenSource { none, query, header };

// How the request presented the token: ?token=<token> or Authorization: Bearer <token>.
// Returns none when no token is configured (everything allowed) or when it is missing/wrong;
// use token_accepted() for the decision. Compares in constant time.
TokenSource presented_token(const cdp::HttpRequest& req, std::string_view token);

// True when no token is configured, or the request carries the right one.
bool token_accepted(const cdp::HttpRequest& req, std::string_view token);

}  // namespace faultline::proxy
