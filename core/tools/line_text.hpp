// Text pieces of a terminal line: strings from pages and the kernel made safe to print (no
// control characters, so no stray escape sequences or line breaks), cut on a UTF-8 boundary,
// and long ids shortened to a prefix.
#pragma once

#include <string>
#include <string_view>

namespace faultline::tail {

// Control characters (C0, DEL) become spaces; at most `max` bytes, cut with "…" on a UTF-8
// character boundary.
inline std::string clean_text(std::string_view s, size_t max = 120) {
    std::string out;
    const bool cut = s.size() > max;
    size_t n = cut ? max : s.size();
    if (cut)
        while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
    out.reserve(n + 3);
    for (size_t i = 0; i < n; ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        out.push_back(c < 0x20 || c == 0x7F ? ' ' : s[i]);
    }
    if (cut) out += "…";
    return out;
}

// The first 8 characters of an id (Chromium's 32-hex-digit target and session ids).
inline std::string short_id(std::string_view id) {
    return clean_text(id.substr(0, 8), 8);
}

}  // namespace faultline::tail
