// libFuzzer target: the WebSocket frame scanner on arbitrary bytes; the stream fed whole and
// fed in pieces (split points from the first byte) must give the same counts and message edges.
// The same bytes as a close reason: the relay's Close frame must stay a valid control frame whose
// reason is a prefix cut before a UTF-8 continuation byte (or empty, when the first 124 bytes are
// all continuation bytes), which the relay's scanner reads back as a Close with that code.
// (Relay::on_closing reads a client's answer with the same scanner, so the split-invariance above
// covers the answer however it arrives.)
// The same bytes as a client's stream, checked (check_client_frames): whole and in pieces give
// the same verdict and hold back the same bytes; what may go on never shrinks, and it is whole
// frames that a fresh checking scanner accepts.
#include <cstdint>
#include <string>
#include <string_view>

#include "cdp/ws_frame.hpp"

using faultline::cdp::FrameScanner;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    FrameScanner whole, pieces;
    std::string edges_whole, edges_pieces;
    whole.on_text_message(
        [&](const faultline::cdp::MessageEdges& m) {
            edges_whole.append(m.head).append(m.tail).append(std::to_string(m.size));
        },
        32, 16);
    pieces.on_text_message(
        [&](const faultline::cdp::MessageEdges& m) {
            if (m.head.size() > 32 || m.tail.size() > 16 || m.head.size() + m.tail.size() > m.size)
                __builtin_trap();
            edges_pieces.append(m.head).append(m.tail).append(std::to_string(m.size));
        },
        32, 16);
    whole.feed(data, size);
    const size_t step = size ? (data[0] % 13) + 1 : 1;
    for (size_t at = 0; at < size; at += step)
        pieces.feed(data + at, size - at < step ? size - at : step);
    const auto &a = whole.stats(), &b = pieces.stats();
    if (a.bytes != size || a.bytes != b.bytes || a.frames != b.frames || a.messages != b.messages ||
        a.close_seen != b.close_seen || a.close_code != b.close_code || a.messages > a.frames ||
        edges_whole != edges_pieces)
        __builtin_trap();

    FrameScanner checked_whole, checked_pieces;
    checked_whole.check_client_frames(), checked_pieces.check_client_frames();
    checked_whole.feed(data, size);
    uint64_t forwardable = 0;
    for (size_t at = 0; at < size; at += step) {
        checked_pieces.feed(data + at, size - at < step ? size - at : step);
        const uint64_t now = checked_pieces.stats().bytes - checked_pieces.held_back();
        if (now < forwardable || checked_pieces.held_back() > checked_pieces.stats().bytes)
            __builtin_trap();
        forwardable = now;
    }
    if (checked_whole.protocol_error() != checked_pieces.protocol_error() ||
        checked_whole.held_back() != checked_pieces.held_back() ||
        size - checked_whole.held_back() != forwardable)
        __builtin_trap();
    if (!checked_whole.protocol_error().empty()) {  // what went on: whole, rule-abiding frames
        FrameScanner prefix;
        prefix.check_client_frames();
        prefix.feed(data, static_cast<size_t>(forwardable));
        if (!prefix.protocol_error().empty() || !prefix.at_frame_boundary()) __builtin_trap();
    }

    // The relay's Close frame with these bytes as the reason.
    const std::string_view reason(reinterpret_cast<const char*>(data), size);
    const std::string frame = faultline::cdp::encode_close_frame(1011, reason);
    const size_t len = static_cast<unsigned char>(frame[1]);
    if (frame.size() != 2 + len || len > 125 || len < 2 ||
        reason.substr(0, len - 2) != std::string_view(frame).substr(4) ||
        (len > 2 && len - 2 < size && (static_cast<unsigned char>(data[len - 2]) & 0xc0) == 0x80))
        __builtin_trap();
    FrameScanner answer;
    answer.feed(reinterpret_cast<const unsigned char*>(frame.data()), frame.size());
    if (!answer.stats().close_seen || answer.stats().close_code != 1011 ||
        !answer.at_frame_boundary())
        __builtin_trap();
    return 0;
}
