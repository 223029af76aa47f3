// Builds RFC 6455 frames for tests: any first byte (so broken ones too), the length in its
// shortest form, and a fixed masking key.
#pragma once

#include <cstdint>
#include <string>

namespace faultline::test {

inline constexpr unsigned char kWsMaskKey[4] = {0x12, 0x34, 0x56, 0x78};

// The header for first byte b0 (FIN, RSV, opcode) and a payload of n bytes; the mask bit and
// key when mask is set.
inline std::string ws_frame_header(unsigned char b0, uint64_t n, bool mask) {
    std::string f(1, static_cast<char>(b0));
    const unsigned char m = mask ? 0x80 : 0;
    if (n < 126) {
        f.push_back(static_cast<char>(m | n));
    } else if (n < 65536) {
        f.push_back(static_cast<char>(m | 126));
        f.push_back(static_cast<char>(n >> 8));
        f.push_back(static_cast<char>(n & 0xff));
    } else {
        f.push_back(static_cast<char>(m | 127));
        for (int i = 7; i >= 0; --i) f.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
    }
    if (mask) f.append(reinterpret_cast<const char*>(kWsMaskKey), 4);
    return f;
}

// A whole frame: the header, then the payload (masked with kWsMaskKey when mask is set).
inline std::string ws_frame(unsigned char b0, const std::string& payload, bool mask) {
    std::string f = ws_frame_header(b0, payload.size(), mask);
    for (size_t i = 0; i < payload.size(); ++i)
        f.push_back(static_cast<char>(mask ? payload[i] ^ kWsMaskKey[i % 4] : payload[i]));
    return f;
}

}  // namespace faultline::test
