// The host name every producer stamps into an event's source.
#pragma once

#include <unistd.h>

#include <string>
#include <string_view>

namespace faultline {

// given when non-empty (a --host flag), else the kernel's host name, else "".
inline std::string hostname_or(std::string_view given) {
    if (!given.empty()) return std::string(given);
    char buf[256] = {};  // gethostname may not NUL-terminate a truncated name: keep the last 0
    if (::gethostname(buf, sizeof buf - 1) != 0) return {};
    return buf;
}

}  // namespace faultline
