// Wall-clock time (CLOCK_REALTIME) as RFC 3339 UTC with nanoseconds.
// Never a monotonic source: monotonic time freezes while a VM is suspended.
#pragma once

#include <fmt/format.h>

#include <charconv>
#include <cstdint>
#include <ctime>
#include <optional>
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

inline uint64_t wall_now_ns() {
    const timespec t = wall_now();
    return uint64_t(t.tv_sec) * 1000000000u + uint64_t(t.tv_nsec);
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

namespace detail {
inline int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {  // H. Hinnant's algorithm
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = unsigned(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + int64_t(doe) - 719468;
}
inline int digits_at(std::string_view s, size_t at, size_t n) {
    int v = 0;
    std::from_chars(s.data() + at, s.data() + at + n, v);
    return v;
}
}  // namespace detail

// "2026-06-12T20:05:01.123456789Z" (or with an offset) as Unix nanoseconds; nullopt when it
// is not RFC 3339 or lies before 1970.
inline std::optional<uint64_t> rfc3339_unix_ns(std::string_view ts) {
    using detail::digits_at;
    if (!is_rfc3339(ts)) return std::nullopt;
    const int month = digits_at(ts, 5, 2), day = digits_at(ts, 8, 2), h = digits_at(ts, 11, 2),
              m = digits_at(ts, 14, 2), s = digits_at(ts, 17, 2);
    if (month < 1 || month > 12 || day < 1 || day > 31 || h > 23 || m > 59 || s > 60)
        return std::nullopt;
    int64_t secs =
        detail::days_from_civil(digits_at(ts, 0, 4), unsigned(month), unsigned(day)) * 86400 +
        h * 3600 + m * 60 + s;
    size_t i = 19;
    int64_t nanos = 0;
    if (ts[i] == '.') {
        int64_t scale = 100000000;
        for (++i; i < ts.size() && ts[i] >= '0' && ts[i] <= '9'; ++i, scale /= 10)
            nanos += (ts[i] - '0') * scale;
    }
    if (ts[i] == '+' || ts[i] == '-') {
        const int64_t offset = digits_at(ts, i + 1, 2) * 3600 + digits_at(ts, i + 4, 2) * 60;
        secs += ts[i] == '+' ? -offset : offset;
    }
    if (secs < 0) return std::nullopt;
    return uint64_t(secs) * 1000000000u + uint64_t(nanos);
}

}  // namespace faultline
