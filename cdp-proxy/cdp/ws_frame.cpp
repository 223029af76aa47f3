#include "cdp/ws_frame.hpp"

#include <algorithm>

namespace faultline::cdp {

namespace {

// Header size implied by the first two bytes: 2 + extended length + mask key.
size_t header_size(unsigned char b1) {
    const unsigned len7 = b1 & 0x7f;
    return 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + ((b1 & 0x80) ? 4 : 0);
}

}  // namespace

void FrameScanner::feed(const unsigned char* p, size_t n) {
    stats_.bytes += n;
    while (n > 0) {
        if (in_header_) {
            const size_t take = std::min(n, header_need_ - header_len_);
            std::copy_n(p, take, header_ + header_len_);
            header_len_ += take, p += take, n -= take;
            if (header_len_ == 2) header_need_ = header_size(header_[1]);
            if (header_len_ == header_need_) header_complete();
            continue;
        }
        const size_t take = static_cast<size_t>(std::min<uint64_t>(n, payload_left_));
        if (capturing_close_) feed_close_payload(p, take);
        payload_left_ -= take, p += take, n -= take;
        if (payload_left_ == 0) in_header_ = true;
    }
}

void FrameScanner::header_complete() {
    const unsigned char b0 = header_[0], b1 = header_[1];
    const unsigned opcode = b0 & 0x0f;
    const bool fin = b0 & 0x80;
    masked_ = b1 & 0x80;
    uint64_t len = b1 & 0x7f;
    size_t pos = 2;
    if (len == 126) {
        len = (uint64_t{header_[2]} << 8) | header_[3];
        pos = 4;
    } else if (len == 127) {
        len = 0;
        for (size_t i = 2; i < 10; ++i) len = (len << 8) | header_[i];
        pos = 10;
    }
    if (masked_) std::copy_n(header_ + pos, 4, mask_);
    ++stats_.frames;
    if (opcode < 8 && fin) ++stats_.messages;  // data frames: 0 continuation, 1 text, 2 binary
    capturing_close_ = false;
    if (opcode == 8) {
        stats_.close_seen = true;
        capturing_close_ = !stats_.close_code.has_value() && len >= 2;
        close_got_ = 0;
    }
    header_len_ = 0, header_need_ = 2;
    payload_left_ = len;
    in_header_ = len == 0;
}

void FrameScanner::feed_close_payload(const unsigned char* p, size_t n) {
    for (size_t i = 0; i < n && close_got_ < 2; ++i, ++close_got_) {
        unsigned char b = p[i];
        if (masked_) b ^= mask_[close_got_ % 4];
        close_bytes_[close_got_] = b;
    }
    if (close_got_ == 2) {
        stats_.close_code = static_cast<uint16_t>((close_bytes_[0] << 8) | close_bytes_[1]);
        capturing_close_ = false;
    }
}

}  // namespace faultline::cdp
