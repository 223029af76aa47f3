#include "proxy/auth.hpp"

#include "cdp/ws_handshake.hpp"

namespace faultline::proxy {

namespace {

// Compares without an early exit on the first differing byte (only the length can leak).
bool constant_time_equal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    unsigned char diff = 0;
    for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

}  // namespace

TokenSource presented_token(const HttpRequest& req, std::string_view token) {
    if (token.empty()) return TokenSource::none;
    if (auto q = token_param(req.query); q && constant_time_equal(*q, token))
        return TokenSource::query;
    if (const std::string* auth = req.header("Authorization")) {
        std::string_view v = *auth;
        if (v.size() > 7 && iequals(v.substr(0, 7), "Bearer ") &&
            constant_time_equal(v.substr(7), token))
            return TokenSource::header;
    }
    return TokenSource::none;
}

bool token_accepted(const HttpRequest& req, std::string_view token) {
    return token.empty() || presented_token(req, token) != TokenSource::none;
}

}  // namespace faultline::proxy
