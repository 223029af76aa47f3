// Which response bodies the monitor captures and how much of them (the replaced system's telemetry
// spec, §8.7): allow-listed text types only, capped at 8 KiB for structured types (JSON, XML,
// forms, GraphQL, CSV, vendor +json/+xml/+csv) and 4 KiB for other text, cut on a UTF-8 boundary.
// Pure and fuzzed.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace faultline::monitor {

inline constexpr size_t kStructuredBodyCap = 8 * 1024;
inline constexpr size_t kTextBodyCap = 4 * 1024;

// The cap for a response of this resource type and MIME type, or 0 when its body is not
// captured (fonts, images, media, stylesheets, scripts, binary types).
size_t body_cap(std::string_view resource_type, std::string_view mime_type);

// The longest prefix of s of at most cap bytes that does not end inside a UTF-8 sequence.
std::string_view cut_utf8(std::string_view s, size_t cap);

struct CapturedBody {
    std::string text;
    bool truncated = false;
};

// The body as it is reported: decoded from base64 when Chromium sent it so, cut to cap.
// nullopt when base64 is invalid.
std::optional<CapturedBody> capture_body(std::string_view body, bool base64, size_t cap);

// The number of bytes standard base64 text decodes to (padding counted off).
inline size_t base64_decoded_size(std::string_view in) {
    size_t pad = 0;
    while (pad < 2 && pad < in.size() && in[in.size() - 1 - pad] == '=') ++pad;
    return in.size() / 4 * 3 + (in.size() % 4 ? in.size() % 4 - 1 : 0) - pad;
}

// Standard base64 (padding optional, whitespace not allowed). nullopt when invalid. Decodes
// at most max_out bytes (the rest is not needed).
std::optional<std::string> decode_base64(std::string_view in, size_t max_out = SIZE_MAX);

}  // namespace faultline::monitor
