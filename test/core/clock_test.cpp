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

TEST_CASE("RFC 3339 timestamps become Unix nanoseconds") {
    CHECK(faultline::rfc3339_unix_ns("1970-01-01T00:00:00Z") == 0u);
    CHECK(faultline::rfc3339_unix_ns("2026-06-12T20:05:01.123456789Z") == 1781294701123456789u);
    CHECK(faultline::rfc3339_unix_ns("2026-06-12T22:05:01.5+02:00") == 1781294701500000000u);
    CHECK(faultline::rfc3339_unix_ns("2000-02-29T00:00:00.000000000123Z") == 951782400000000000u);
    CHECK_FALSE(faultline::rfc3339_unix_ns("2026-13-01T00:00:00Z"));
    CHECK_FALSE(faultline::rfc3339_unix_ns("1969-12-31T23:59:59Z"));
    CHECK_FALSE(faultline::rfc3339_unix_ns("yesterday"));
}
