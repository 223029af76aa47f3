// Whole WebSocket messages for a client of Chromium (the CDP monitor): encodes masked text
// frames and reassembles the frames Chromium sends into messages. Unlike FrameScanner (which
// only watches relayed bytes), this keeps payloads. Limits the message size; any byte sequence
// is handled (a protocol error ends the stream, it never crashes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace faultline::cdp {

// A client-to-server frame (FIN set, masked as RFC 6455 §5.3 requires) of the given opcode.
std::string encode_client_frame(std::string_view payload, unsigned opcode = 1);

class WsMessageReader {
  public:
    enum class Result { message, need_more, closed, error };

    explicit WsMessageReader(size_t max_message = size_t{256} << 20) : max_(max_message) {}

    // Appends received bytes.
    void feed(const char* p, size_t n) { buf_.append(p, n); }

    // Takes the next complete data message into out (text or binary), answering pings is the
    // caller's business (ping payloads are returned via pong_due()). closed: a Close frame came.
    // error: a protocol violation or a message over the limit (error() says which).
    Result next(std::string& out);

    const std::string& error() const { return error_; }
    // A ping arrived: the payload to echo in a pong (cleared by the caller).
    std::string& pong_due() { return pong_; }
    bool has_pong() const { return has_pong_; }
    void clear_pong() { has_pong_ = false, pong_.clear(); }

  private:
    Result fail(std::string why);

    size_t max_;
    std::string buf_;
    size_t pos_ = 0;         // consumed bytes of buf_
    std::string fragments_;  // payload of a fragmented message so far
    bool in_fragmented_ = false;
    std::string pong_;
    bool has_pong_ = false;
    std::string error_;
};

}  // namespace faultline::cdp
