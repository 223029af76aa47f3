// Retry-After (RFC 9110 §10.2.3): delay-seconds or an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37
// GMT"). The delay is capped so a hostile or confused server cannot park a sink for days.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace faultline::hub::sinks {

inline constexpr std::chrono::milliseconds kMaxRetryAfter{60000};

// The delay the header asks for, measured from now_unix_s for a date; nullopt when the value
// is neither form. A date in the past is a zero delay.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           int64_t now_unix_s);

}  // namespace faultline::hub::sinks
