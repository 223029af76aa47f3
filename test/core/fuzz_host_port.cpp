// libFuzzer target for parse_host_port and parse_authority: never crash, whatever parses
// round-trips, and an authority always has a host and a non-zero port.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "faultline/host_port.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    faultline::HostPort hp, again;
    std::string error;
    faultline::HostPort auth;
    std::string why;
    if (faultline::parse_authority(text, 80, auth, why)) {
        if (auth.host.empty() || auth.port == 0) std::abort();
    } else if (why.empty()) {
        std::abort();
    }
    if (!faultline::parse_host_port(text, hp, error)) {
        if (error.empty()) std::abort();  // a refusal always says why
        return 0;
    }
    if (!faultline::parse_host_port(faultline::format_host_port(hp), again, error) ||
        again.host != hp.host || again.port != hp.port)
        std::abort();
    return 0;
}
