// Human units for terminal lines: memory in KiB/MiB/GiB and durations in ms/s/min/h, rounded to
// what a glance needs (23334616 KiB -> "22.3 GiB", 2882.7 s -> "48 min"). Total on any double.
#pragma once

#include <fmt/format.h>

#include <cmath>
#include <string>

namespace faultline::tail {

// A size given in KiB.
inline std::string format_kib(double kib) {
    if (!std::isfinite(kib)) return "?";
    if (kib < 0) return "-" + format_kib(-kib);
    if (kib < 1024) return fmt::format("{:.0f} KiB", kib);
    const double mib = kib / 1024;
    if (mib < 10) return fmt::format("{:.1f} MiB", mib);
    if (mib < 1024) return fmt::format("{:.0f} MiB", mib);
    return fmt::format("{:.1f} GiB", mib / 1024);
}

// A size given in bytes.
inline std::string format_bytes(double bytes) {
    if (std::isfinite(bytes) && std::fabs(bytes) < 1024) return fmt::format("{:.0f} B", bytes);
    return format_kib(bytes / 1024);
}

// A duration given in seconds.
inline std::string format_seconds(double s) {
    if (!std::isfinite(s)) return "?";
    if (s < 0) return "-" + format_seconds(-s);
    if (s < 1) return fmt::format("{:.0f} ms", s * 1000);
    if (s < 10) return fmt::format("{:.1f} s", s);
    if (s < 60) return fmt::format("{:.0f} s", s);
    if (s < 3600) return fmt::format("{:.0f} min", s / 60);
    return fmt::format("{:.1f} h", s / 3600);
}

inline std::string format_ms(double ms) {
    return format_seconds(ms / 1000);
}

}  // namespace faultline::tail
