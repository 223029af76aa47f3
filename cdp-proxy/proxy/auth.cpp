#include "proxy/auth.hpp"

#include "cdp/ws_handshake.hpp"
#include "faultline/bearer.hpp"

namespace faultline::proxy {

TokenSource presented_token(const cdp::HttpRequest& req, std::string_view token) {
    if (token.empty()) return TokenSource::none;
    if (auto q = cdp::token_param(req.query); q && constant_time_equal(*q, token))
        return TokenSource::query;
    if (const std::string* auth = req.header("Authorization"); auth && bearer_matches(*auth, token))
        return TokenSource::header;
    return TokenSource::none;
}

bool token_accepted(const cdp::HttpRequest& req, std::string_view token) {
    return token.empty() || presented_token(req, token) != TokenSource::none;
}

}  // namespace faultline::proxy
