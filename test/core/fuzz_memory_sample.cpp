// libFuzzer target: the memory sample decoder must never crash or hang, and whatever it accepts
// must re-encode to text that decodes to the same sample (the hub serves what it stored).
#include <cstdlib>

#include "faultline/memory_sample_decode.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static faultline::MemorySampleDecoder decoder;
    faultline::MemorySample s;
    faultline::SampleDecodeError err;
    if (!decoder.decode(std::string_view(reinterpret_cast<const char*>(data), size), s, err)) {
        if (err.message.empty()) std::abort();  // a refusal always says why
        return 0;
    }
    const std::string once = faultline::encode_memory_sample(s);
    faultline::MemorySample again;
    if (!decoder.decode(once, again, err) || faultline::encode_memory_sample(again) != once)
        std::abort();
    return 0;
}
