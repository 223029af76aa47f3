// libFuzzer target: the terminal line formatter is fed whatever the stream carries. It must
// never crash or hang, and its lines stay one bounded line with no control characters (so no
// escape sequence of its input reaches the terminal) and no ANSI codes when colour is off.
#include <cstdlib>

#include "tools/event_line.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // Kept across inputs, so the remembered OOM kills are exercised too.
    static faultline::tail::EventLineFormatter plain(false), coloured(true);
    std::string_view in(reinterpret_cast<const char*>(data), size);
    const std::string line = plain.format(in);
    if (line.size() > 1024) std::abort();
    for (unsigned char c : line)
        if (c < 0x20 || c == 0x7F) std::abort();
    if (coloured.format(in).size() > 1200) std::abort();
    return 0;
}
