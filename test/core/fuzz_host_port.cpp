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
    const bool v6 = hp.host.find(':') != std::string::npos;
    const std::string formatted =
        (v6 ? "[" + hp.host + "]" : hp.host) + ":" + std::to_string(hp.port);
    if (!faultline::parse_host_port(formatted, again, error) || again.host != hp.host ||
        again.port != hp.port)
        std::abort();
    return 0;
}
