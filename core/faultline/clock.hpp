// Wall-clock time (CLOCK_REALTIME) as RFC 3339 UTC with nanoseconds.
// Never a monotonic source: monotonic time freezes while a VM is suspended.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>

namespace faultline {

// Formats t as "2026-06-12T20:05:01.123456789Z".
inline std::string format_rfc3339(const timespec& t) {
    std::tm tm{};
    time_t secs = t.tv_sec;
    gmtime_r(&secs, &tm);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z", tm.tm_year + 1900,
                       tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, t.tv_nsec);
}

inline timespec wall_now() {
    timespec t{};
    clock_gettime(CLOCK_REALTIME, &t);
    return t;
}

inline std::string now_rfc3339() {
    return format_rfc3339(wall_now());
}

inline int64_t wall_now_ms() {
    const timespec t = wall_now();
    return int64_t{t.tv_sec} * 1000 + t.tv_nsec / 1000000;
}

// True when s is an RFC 3339 date-time: YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM).
inline bool is_rfc3339(std::string_view s) {
    auto digits = [&](size_t pos, size_t n) {
        if (pos + n > s.size()) return false;
        for (size_t i = pos; i < pos + n; ++i)
            if (s[i] < '0' || s[i] > '9') return false;
        return true;
    };
    auto at = [&](size_t pos, char c) { return pos < s.size() && s[pos] == c; };
    if (!(digits(0, 4) && at(4, '-') && digits(5, 2) && at(7, '-') && digits(8, 2) &&
          (at(10, 'T') || at(10, 't')) && digits(11, 2) && at(13, ':') && digits(14, 2) &&
          at(16, ':') && digits(17, 2)))
        return false;
    size_t i = 19;
    if (at(i, '.')) {
        size_t start = ++i;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
        if (i == start) return false;
    }
    if (at(i, 'Z') || at(i, 'z')) return i + 1 == s.size();
    if (at(i, '+') || at(i, '-'))
        return digits(i + 1, 2) && at(i + 3, ':') && digits(i + 4, 2) && i + 6 == s.size();
    return false;
}

}  // namespace faultline
