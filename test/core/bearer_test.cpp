// The one bearer-token check: scheme case-insensitive, token exact, nothing without a token.
#include "faultline/bearer.hpp"
#include "catch.hpp"

using faultline::bearer_matches;
using faultline::constant_time_equal;

TEST_CASE("bearer_matches: any case of the scheme, the exact token") {
    for (const char* ok : {"Bearer s3cret", "bearer s3cret", "BEARER s3cret", "bEaReR s3cret"}) {
        CAPTURE(ok);
        CHECK(bearer_matches(ok, "s3cret"));
    }
    for (const char* bad :
         {"", "Bearer", "Bearer ", "Bearer s3cre", "Bearer s3cretX", "Bearer  s3cret",
          "Basic s3cret", "Bearers3cret", "s3cret", "Bearer S3CRET", "Token s3cret"}) {
        CAPTURE(bad);
        CHECK_FALSE(bearer_matches(bad, "s3cret"));
    }
    CHECK_FALSE(bearer_matches("Bearer ", ""));  // no token configured: nothing matches
    CHECK_FALSE(bearer_matches("Bearer x", ""));
}

TEST_CASE("constant_time_equal compares whole strings") {
    CHECK(constant_time_equal("", ""));
    CHECK(constant_time_equal("abc", "abc"));
    CHECK_FALSE(constant_time_equal("abc", "abd"));
    CHECK_FALSE(constant_time_equal("abc", "ab"));
    CHECK_FALSE(constant_time_equal("abc", "xbc"));
}
