// libFuzzer target: the SSE parser on arbitrary bytes, fed whole and split in two.
#include "faultline/sse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    size_t whole = 0, split = 0;
    faultline::SseParser a([&](const faultline::SseEvent&) { ++whole; });
    a.feed(in);
    faultline::SseParser b([&](const faultline::SseEvent&) { ++split; });
    b.feed(in.substr(0, size / 2));
    b.feed(in.substr(size / 2));
    if (whole != split) __builtin_trap();
    return 0;
}
