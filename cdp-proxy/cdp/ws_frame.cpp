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

void FrameScanner::on_text_message(MessageFn fn, size_t head_bytes, size_t tail_bytes) {
    on_message_ = std::move(fn);
    head_max_ = head_bytes, tail_max_ = tail_bytes;
}

void FrameScanner::feed(const unsigned char* p, size_t n) {
    stats_.bytes += n;
    if (!error_.empty()) return;
    while (n > 0) {
        if (in_header_) {
            if (header_len_ == 0) header_at_ = stats_.bytes - n;
            const size_t take = std::min(n, header_need_ - header_len_);
            std::copy_n(p, take, header_ + header_len_);
            header_len_ += take, p += take, n -= take;
            if (header_len_ == 2) header_need_ = header_size(header_[1]);
            if (header_len_ == header_need_) {
                if (checking_) {
                    error_ = rules_.check(header_);
                    if (!error_.empty()) {
                        error_at_ = header_at_;
                        return;
                    }
                }
                header_complete();
            }
            continue;
        }
        const size_t take = static_cast<size_t>(std::min<uint64_t>(n, payload_left_));
        if (capturing_close_) feed_close_payload(p, take);
        if (capturing_edges_) feed_edges(p, take);
        payload_left_ -= take, p += take, n -= take;
        if (payload_left_ == 0) {
            in_header_ = true;
            if (capturing_edges_) deliver_edges();
        }
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
    capturing_edges_ = false;
    if (on_message_ && opcode == 1 && fin) {  // CDP messages are single text frames
        capturing_edges_ = true;
        payload_len_ = len, payload_pos_ = 0;
        head_.clear(), tail_.clear();
        if (len == 0) deliver_edges();
    }
}

void FrameScanner::feed_edges(const unsigned char* p, size_t n) {
    const char* c = reinterpret_cast<const char*>(p);
    if (payload_pos_ < head_max_) head_.append(c, std::min<uint64_t>(n, head_max_ - payload_pos_));
    const uint64_t end = payload_pos_ + n;
    payload_pos_ = end;
    if (end <= head_max_ || tail_max_ == 0) return;
    // Keep the last tail_max_ bytes seen past the head.
    const uint64_t from = std::max<uint64_t>(end - n, head_max_);
    const size_t fresh = static_cast<size_t>(end - from);
    if (fresh >= tail_max_) {
        tail_.assign(c + (n - tail_max_), tail_max_);
    } else {
        tail_.append(c + (n - fresh), fresh);
        if (tail_.size() > tail_max_) tail_.erase(0, tail_.size() - tail_max_);
    }
}

void FrameScanner::deliver_edges() {
    capturing_edges_ = false;
    if (masked_) {  // unmask by each byte's offset in the payload
        for (size_t i = 0; i < head_.size(); ++i) head_[i] ^= static_cast<char>(mask_[i % 4]);
        const uint64_t tail_at = payload_len_ - tail_.size();
        for (size_t i = 0; i < tail_.size(); ++i)
            tail_[i] ^= static_cast<char>(mask_[(tail_at + i) % 4]);
    }
    if (on_message_) on_message_(MessageEdges{head_, tail_, payload_len_});  // may be turned off
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

std::string_view cut_close_reason(std::string_view reason) {
    constexpr size_t kMax = 123;
    if (reason.size() <= kMax) return reason;
    size_t cut = kMax;
    // Back off continuation bytes (10xxxxxx) so the cut falls before a character's first byte.
    while (cut > 0 && (static_cast<unsigned char>(reason[cut]) & 0xc0) == 0x80) --cut;
    return reason.substr(0, cut);
}

std::string encode_close_frame(uint16_t code, std::string_view reason) {
    reason = cut_close_reason(reason);
    std::string f;
    f.reserve(4 + reason.size());
    f.push_back(static_cast<char>(0x88));  // FIN + Close
    f.push_back(static_cast<char>(2 + reason.size()));
    f.push_back(static_cast<char>(code >> 8));
    f.push_back(static_cast<char>(code & 0xff));
    f.append(reason);
    return f;
}

}  // namespace faultline::cdp
