// Watches a WebSocket byte stream as it is relayed, reading only frame headers (RFC 6455 §5.2):
// counts messages and bytes and notices Close frames and their status codes. Payload bytes are
// skipped, never copied or buffered, so message size costs nothing (Chromium sends up to
// 256 MiB in one frame). It observes; it never rejects: any byte sequence is accepted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace faultline::cdp {

struct FrameStats {
    uint64_t bytes = 0;     // every byte fed (frame headers + payloads)
    uint64_t frames = 0;    // complete frame headers seen
    uint64_t messages = 0;  // data messages completed (final data/continuation frames)
    bool close_seen = false;
    std::optional<uint16_t> close_code;  // from the first Close frame that carried one
};

class FrameScanner {
  public:
    // Feeds the next n relayed bytes of one direction.
    void feed(const unsigned char* p, size_t n);

    // True between frames (no header or payload partially seen): a safe point to inject a frame.
    bool at_frame_boundary() const { return in_header_ && header_len_ == 0; }

    const FrameStats& stats() const { return stats_; }

  private:
    void header_complete();
    void feed_close_payload(const unsigned char* p, size_t n);

    FrameStats stats_;
    bool in_header_ = true;
    unsigned char header_[14] = {};
    size_t header_len_ = 0, header_need_ = 2;
    uint64_t payload_left_ = 0;
    // Close frame payload capture (first two bytes = status code).
    bool capturing_close_ = false;
    unsigned char mask_[4] = {};
    bool masked_ = false;
    unsigned char close_bytes_[2] = {};
    size_t close_got_ = 0;
};

}  // namespace faultline::cdp
