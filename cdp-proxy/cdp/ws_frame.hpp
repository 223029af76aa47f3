// Watches a WebSocket byte stream as it is relayed, reading only frame headers (RFC 6455 §5.2):
// counts messages and bytes and notices Close frames and their status codes. Payload bytes are
// skipped, never copied or buffered, so message size costs nothing (Chromium sends up to
// 256 MiB in one frame). It observes and accepts any byte sequence, unless told to check a
// client's frames (check_client_frames): then it stops at the first header that breaks RFC 6455.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "cdp/ws_rules.hpp"

namespace faultline::cdp {

struct FrameStats {
    uint64_t bytes = 0;     // every byte fed (frame headers + payloads)
    uint64_t frames = 0;    // complete frame headers seen
    uint64_t messages = 0;  // data messages completed (final data/continuation frames)
    bool close_seen = false;
    std::optional<uint16_t> close_code;  // from the first Close frame that carried one
};

// A text message's edges (unmasked): its first and last bytes and its size. Enough to read a CDP
// message's "id", "method", "error" (at the head) and "sessionId" (clients put it last).
struct MessageEdges {
    std::string_view head, tail;  // tail is empty when head already holds the whole message
    uint64_t size = 0;
};
using MessageFn = std::function<void(const MessageEdges&)>;

class FrameScanner {
  public:
    // Calls fn for every complete single-frame text message with up to head_bytes of its start
    // and tail_bytes of its end. Off (no extra work at all) until set; an empty fn turns it off.
    void on_text_message(MessageFn fn, size_t head_bytes, size_t tail_bytes);

    // Feeds the next n relayed bytes of one direction.
    void feed(const unsigned char* p, size_t n);

    // True between frames (no header or payload partially seen): a safe point to inject a frame.
    bool at_frame_boundary() const { return in_header_ && header_len_ == 0; }

    // Client direction: each frame header is checked against ClientFrameRules. At the first
    // broken rule the scanner stops reading frames (bytes are still counted) and
    // protocol_error() says which rule. Header checks only: payloads stay unread.
    void check_client_frames() { checking_ = true; }
    std::string_view protocol_error() const { return error_; }
    // How many of the last bytes fed must not be forwarded (yet): an incomplete header, not
    // checked so far, or everything from the rule-breaking frame on. 0 when not checking.
    uint64_t held_back() const {
        if (!checking_) return 0;
        if (!error_.empty()) return stats_.bytes - error_at_;
        return in_header_ ? header_len_ : 0;
    }

    const FrameStats& stats() const { return stats_; }

  private:
    void header_complete();
    void feed_close_payload(const unsigned char* p, size_t n);
    void feed_edges(const unsigned char* p, size_t n);
    void deliver_edges();

    FrameStats stats_;
    bool in_header_ = true;
    unsigned char header_[14] = {};
    size_t header_len_ = 0, header_need_ = 2;
    uint64_t header_at_ = 0;  // stream offset of the current header's first byte
    uint64_t payload_left_ = 0;
    // Client frame checks (only with check_client_frames).
    bool checking_ = false;
    ClientFrameRules rules_;
    std::string_view error_;
    uint64_t error_at_ = 0;
    // Close frame payload capture (first two bytes = status code).
    bool capturing_close_ = false;
    unsigned char mask_[4] = {};
    bool masked_ = false;
    unsigned char close_bytes_[2] = {};
    size_t close_got_ = 0;
    // Message edges (only with on_text_message).
    MessageFn on_message_;
    size_t head_max_ = 0, tail_max_ = 0;
    bool capturing_edges_ = false;
    uint64_t payload_len_ = 0, payload_pos_ = 0;
    std::string head_, tail_;
};

// RFC 6455 §5.5.1: a server-to-client Close frame (unmasked) with a status code and a reason;
// the reason is cut to 123 bytes (a control frame carries at most 125) on a UTF-8 boundary.
std::string encode_close_frame(uint16_t code, std::string_view reason);

// The reason as encode_close_frame sends it: at most 123 bytes, never half a UTF-8 character.
std::string_view cut_close_reason(std::string_view reason);

}  // namespace faultline::cdp
