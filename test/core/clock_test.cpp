#include "faultline/clock.hpp"
#include "catch.hpp"

#include <cstdlib>

TEST_CASE("RFC 3339 with nanoseconds in UTC") {
    timespec t{1781294701, 123456789};  // 2026-06-12T20:05:01.123456789Z
    CHECK(faultline::format_rfc3339(t) == "2026-06-12T20:05:01.123456789Z");
    timespec z{0, 5};
    CHECK(faultline::format_rfc3339(z) == "1970-01-01T00:00:00.000000005Z");
}

TEST_CASE("now is the wall clock") {
    std::string now = faultline::now_rfc3339();
    REQUIRE(faultline::is_rfc3339(now));
    std::tm tm{};
    strptime(now.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
    CHECK(std::llabs(static_cast<long long>(timegm(&tm) - time(nullptr))) <= 2);
}

TEST_CASE("RFC 3339 validation") {
    CHECK(faultline::is_rfc3339("2026-06-12T20:05:01Z"));
    CHECK(faultline::is_rfc3339("2026-06-12T20:05:01.5+02:00"));
    CHECK_FALSE(faultline::is_rfc3339("2026-06-12 20:05:01Z"));
    CHECK_FALSE(faultline::is_rfc3339("2026-06-12T20:05:01."));
    CHECK_FALSE(faultline::is_rfc3339("2026-06-12T20:05:01Zjunk"));
    CHECK_FALSE(faultline::is_rfc3339("yesterday"));
    CHECK_FALSE(faultline::is_rfc3339(""));
}
