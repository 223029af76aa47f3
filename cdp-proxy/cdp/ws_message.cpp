#include "cdp/ws_message.hpp"

#include <random>

namespace faultline::cdp {

std::string encode_client_frame(std::string_view payload, unsigned opcode) {
    std::string f;
    f.reserve(payload.size() + 14);
    f.push_back(static_cast<char>(0x80 | (opcode & 0x0f)));
    const uint64_t n = payload.size();
    if (n < 126) {
        f.push_back(static_cast<char>(0x80 | n));
    } else if (n <= 0xffff) {
        f.push_back(static_cast<char>(0x80 | 126));
        f.push_back(static_cast<char>(n >> 8));
        f.push_back(static_cast<char>(n & 0xff));
    } else {
        f.push_back(static_cast<char>(0x80 | 127));
        for (int i = 7; i >= 0; --i) f.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
    }
    thread_local std::minstd_rand rng{std::random_device{}()};
    const uint32_t key = static_cast<uint32_t>(rng());
    char mask[4] = {static_cast<char>(key >> 24), static_cast<char>(key >> 16),
                    static_cast<char>(key >> 8), static_cast<char>(key)};
    f.append(mask, 4);
    const size_t start = f.size();
    f.append(payload);
    for (size_t i = 0; i < n; ++i) f[start + i] ^= mask[i % 4];
    return f;
}

WsMessageReader::Result WsMessageReader::fail(std::string why) {
    error_ = std::move(why);
    return Result::error;
}

WsMessageReader::Result WsMessageReader::next(std::string& out) {
    if (!error_.empty()) return Result::error;
    for (;;) {
        const size_t avail = buf_.size() - pos_;
        if (avail < 2) break;
        const auto* p = reinterpret_cast<const unsigned char*>(buf_.data() + pos_);
        const bool fin = p[0] & 0x80;
        const unsigned opcode = p[0] & 0x0f;
        if (p[0] & 0x70) return fail("reserved WebSocket bits set (no extension was negotiated)");
        const bool masked = p[1] & 0x80;
        uint64_t len = p[1] & 0x7f;
        size_t head = 2;
        if (len == 126) {
            if (avail < 4) break;
            len = (uint64_t{p[2]} << 8) | p[3];
            head = 4;
        } else if (len == 127) {
            if (avail < 10) break;
            len = 0;
            for (size_t i = 2; i < 10; ++i) len = (len << 8) | p[i];
            head = 10;
        }
        if (masked) head += 4;
        if (len > max_ || fragments_.size() + len > max_)
            return fail("WebSocket message larger than the limit");
        if (avail < head + len) break;
        std::string_view payload(buf_.data() + pos_ + head, static_cast<size_t>(len));
        std::string unmasked;
        if (masked) {
            unmasked.assign(payload);
            const unsigned char* m = p + head - 4;
            for (size_t i = 0; i < unmasked.size(); ++i) unmasked[i] ^= static_cast<char>(m[i % 4]);
            payload = unmasked;
        }
        pos_ += head + static_cast<size_t>(len);
        if (opcode >= 8) {  // control frames: never fragmented, at most 125 bytes
            if (!fin || len > 125) return fail("invalid WebSocket control frame");
            if (opcode == 8) return Result::closed;
            if (opcode == 9) pong_.assign(payload), has_pong_ = true;
            continue;
        }
        if (opcode == 0) {
            if (!in_fragmented_) return fail("WebSocket continuation without a message");
            fragments_.append(payload);
        } else if (opcode == 1 || opcode == 2) {
            if (in_fragmented_) return fail("WebSocket message started inside another");
            fragments_.assign(payload);
            in_fragmented_ = true;
        } else {
            return fail("unknown WebSocket opcode");
        }
        if (fin) {
            out.swap(fragments_);
            fragments_.clear();
            in_fragmented_ = false;
            if (pos_ > (1 << 16) || pos_ == buf_.size()) buf_.erase(0, pos_), pos_ = 0;
            return Result::message;
        }
    }
    if (pos_ > 0) buf_.erase(0, pos_), pos_ = 0;
    return Result::need_more;
}

}  // namespace faultline::cdp
