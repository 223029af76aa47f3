// Who may use the telemetry API: loopback always, others only with the bearer token.
#include "hub/http/auth.hpp"
#include "catch.hpp"

using faultline::hub::is_loopback;
using faultline::hub::producer_allowed;

TEST_CASE("is_loopback: 127.0.0.0/8, ::1 and ::ffff:127.x; nothing else") {
    for (const char* yes : {"127.0.0.1", "127.1.2.3", "127.255.255.254", "::1", "::ffff:127.0.0.1",
                            "::ffff:127.9.8.7", "0:0:0:0:0:0:0:1"}) {
        CAPTURE(yes);
        CHECK(is_loopback(yes));
    }
    for (const char* no :
         {"", "10.0.0.1", "128.0.0.1", "126.255.255.255", "0.0.0.0", "::", "::2", "::ffff:10.0.0.1",
          "::ffff:128.0.0.1", "fe80::1", "localhost", "127.0.0.1:80", "[::1]", "127.0.0.256"}) {
        CAPTURE(no);
        CHECK_FALSE(is_loopback(no));
    }
}

TEST_CASE("producer_allowed: loopback always; others with Bearer <token> in any case") {
    CHECK(producer_allowed("127.0.0.1", "", ""));
    CHECK(producer_allowed("::1", "", "tok"));
    CHECK(producer_allowed("::ffff:127.0.0.1", "Basic nope", "tok"));
    CHECK_FALSE(producer_allowed("10.1.2.3", "", ""));  // no token configured: loopback only
    CHECK_FALSE(producer_allowed("10.1.2.3", "Bearer ", ""));
    CHECK_FALSE(producer_allowed("10.1.2.3", "", "tok"));
    CHECK_FALSE(producer_allowed("10.1.2.3", "Bearer tok2", "tok"));
    CHECK_FALSE(producer_allowed("10.1.2.3", "Basic tok", "tok"));
    CHECK_FALSE(producer_allowed("fe80::1", "tok", "tok"));
    CHECK(producer_allowed("10.1.2.3", "Bearer tok", "tok"));
    CHECK(producer_allowed("10.1.2.3", "bearer tok", "tok"));  // RFC 7235: scheme in any case
    CHECK(producer_allowed("2001:db8::1", "BEARER tok", "tok"));
}
