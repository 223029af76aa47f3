// libFuzzer target: the WebSocket frame scanner on arbitrary bytes; the stream fed whole and
// fed in pieces (split points from the first byte) must give the same counts.
#include <cstdint>

#include "cdp/ws_frame.hpp"

using faultline::cdp::FrameScanner;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    FrameScanner whole, pieces;
    whole.feed(data, size);
    const size_t step = size ? (data[0] % 13) + 1 : 1;
    for (size_t at = 0; at < size; at += step)
        pieces.feed(data + at, size - at < step ? size - at : step);
    const auto &a = whole.stats(), &b = pieces.stats();
    if (a.bytes != size || a.bytes != b.bytes || a.frames != b.frames || a.messages != b.messages ||
        a.close_seen != b.close_seen || a.close_code != b.close_code || a.messages > a.frames)
        __builtin_trap();
    return 0;
}
