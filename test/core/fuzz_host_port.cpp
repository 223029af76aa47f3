// libFuzzer target for parse_host_port: never crashes, and whatever parses round-trips.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "faultline/host_port.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    faultline::HostPort hp, again;
    std::string error;
    if (!faultline::parse_host_port(text, hp, error)) {
        if (error.empty()) std::abort();  // a refusal always says why
        return 0;
    }
    if (!faultline::parse_host_port(faultline::format_host_port(hp), again, error) ||
        again.host != hp.host || again.port != hp.port)
        std::abort();
    return 0;
}
