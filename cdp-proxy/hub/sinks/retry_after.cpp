#include "hub/sinks/retry_after.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <ctime>

namespace faultline::hub::sinks {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool number(std::string_view s, int& out) {
    if (s.empty()) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
}

// "Sun, 06 Nov 1994 08:49:37 GMT" as seconds since the epoch.
std::optional<int64_t> imf_fixdate(std::string_view s) {
    static constexpr std::array<std::string_view, 12> months = {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    if (s.size() != 29 || s.substr(3, 2) != ", " || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' ||
        s[19] != ':' || s[22] != ':' || s.substr(25) != " GMT")
        return std::nullopt;
    std::tm tm{};
    auto month = std::find(months.begin(), months.end(), s.substr(8, 3));
    if (month == months.end() || !number(s.substr(5, 2), tm.tm_mday) ||
        !number(s.substr(12, 4), tm.tm_year) || !number(s.substr(17, 2), tm.tm_hour) ||
        !number(s.substr(20, 2), tm.tm_min) || !number(s.substr(23, 2), tm.tm_sec))
        return std::nullopt;
    if (tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
        return std::nullopt;
    tm.tm_mon = int(month - months.begin());
    tm.tm_year -= 1900;
    return int64_t(timegm(&tm));
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           int64_t now_unix_s) {
    value = trim(value);
    int64_t seconds = 0;
    if (!value.empty() && value.size() <= 12 &&
        value.find_first_not_of("0123456789") == std::string_view::npos) {
        std::from_chars(value.data(), value.data() + value.size(), seconds);
    } else if (auto at = imf_fixdate(value)) {
        seconds = std::max<int64_t>(0, *at - now_unix_s);
    } else {
        return std::nullopt;
    }
    return std::min<std::chrono::milliseconds>(
        std::chrono::seconds(std::min<int64_t>(seconds, 86400)), kMaxRetryAfter);
}

}  // namespace faultline::hub::sinks
