// Any byte sequence fed to WsMessageReader in any split: no crash, no hang, bounded memory.
#include <cstddef>
#include <cstdint>
#include <string>

#include "cdp/ws_message.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    faultline::cdp::WsMessageReader r(1 << 16);
    const size_t split = size ? data[0] % (size + 1) : 0;
    std::string out;
    auto drain = [&] {
        for (;;) {
            const auto res = r.next(out);
            if (res != faultline::cdp::WsMessageReader::Result::message) return res;
        }
    };
    r.feed(reinterpret_cast<const char*>(data), split);
    if (drain() == faultline::cdp::WsMessageReader::Result::need_more)
        r.feed(reinterpret_cast<const char*>(data) + split, size - split);
    drain();
    const std::string f = faultline::cdp::encode_client_frame(
        std::string_view(reinterpret_cast<const char*>(data), size));
    faultline::cdp::WsMessageReader back(size + 1);
    back.feed(f.data(), f.size());
    if (back.next(out) != faultline::cdp::WsMessageReader::Result::message ||
        out != std::string_view(reinterpret_cast<const char*>(data), size))
        __builtin_trap();  // a frame we encode must decode to its payload
    return 0;
}
