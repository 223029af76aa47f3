// libFuzzer target: the envelope decoder must never crash, hang or accept something it cannot
// re-encode and decode to the same text; the RFC 3339 time reader must not crash either.
#include <cstdlib>

#include "faultline/event_decode.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static faultline::EventDecoder decoder;
    faultline::Event e;
    faultline::DecodeError err;
    std::string_view in(reinterpret_cast<const char*>(data), size);
    if (auto ns = faultline::rfc3339_unix_ns(in); ns && !faultline::is_rfc3339(in)) std::abort();
    if (!decoder.decode(in, e, err)) return 0;
    std::string once = faultline::encode_event(e);
    faultline::Event again;
    if (!decoder.decode(once, again, err) || faultline::encode_event(again) != once) std::abort();
    return 0;
}
