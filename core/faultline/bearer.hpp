// The one bearer-token check (--token), shared by the CDP proxy and the telemetry API.
#pragma once

#include <cstddef>
#include <string_view>

namespace faultline {

// Compares without an early exit on the first differing byte (only the length can leak).
inline bool constant_time_equal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    unsigned char diff = 0;
    for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

// True when authorization is "Bearer <token>" for a configured (non-empty) token. The scheme is
// case-insensitive (RFC 7235 §2.1); the token is compared in constant time.
inline bool bearer_matches(std::string_view authorization, std::string_view token) {
    constexpr std::string_view kScheme = "bearer ";
    if (token.empty() || authorization.size() <= kScheme.size()) return false;
    for (size_t i = 0; i < kScheme.size(); ++i) {
        const char c = authorization[i];
        if ((c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c) != kScheme[i]) return false;
    }
    return constant_time_equal(authorization.substr(kScheme.size()), token);
}

}  // namespace faultline
