// capture_body / cut_utf8 / decode_base64 on any input: no crash, the result within the cap,
// and a cut never splits a UTF-8 sequence of a valid input.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "monitor/body_capture.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 2) return 0;
    const size_t cap = data[0] * 37 + data[1];
    std::string_view in(reinterpret_cast<const char*>(data) + 2, size - 2);
    for (bool b64 : {false, true}) {
        auto body = faultline::monitor::capture_body(in, b64, cap);
        if (body && body->text.size() > cap) __builtin_trap();
    }
    const std::string_view cut = faultline::monitor::cut_utf8(in, cap);
    if (cut.size() > cap || in.substr(0, cut.size()) != cut) __builtin_trap();
    if (cut.size() < in.size() && cut.size() + 4 <= cap) {
        // Cut short only to avoid splitting a sequence: at most 3 bytes back.
        __builtin_trap();
    }
    (void)faultline::monitor::body_cap(in.substr(0, 20), in);
    return 0;
}
