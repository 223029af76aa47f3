// The proxy's --token check: ?token= or Authorization: Bearer (the scheme in any case).
#include <string>

#include "catch.hpp"
#include "cdp/http_head.hpp"
#include "proxy/auth.hpp"

using namespace faultline::cdp;
using namespace faultline::proxy;

namespace {
HttpRequest parse_ok(const std::string& text) {
    HttpRequest req;
    HttpError err;
    REQUIRE(parse_request_head(text, req, err) == ParseStatus::complete);
    return req;
}
}  // namespace

TEST_CASE("--token accepts ?token= or Authorization: Bearer, nothing else") {
    auto req = [](const std::string& target, const std::string& headers = "") {
        return parse_ok("GET " + target + " HTTP/1.1\r\n" + headers + "\r\n");
    };
    CHECK(token_accepted(req("/json"), ""));
    CHECK_FALSE(token_accepted(req("/json"), "s3cret"));
    CHECK_FALSE(token_accepted(req("/json?token=s3cre"), "s3cret"));
    CHECK(presented_token(req("/json?a=1&token=s3cret"), "s3cret") == TokenSource::query);
    CHECK(presented_token(req("/json", "Authorization: bearer s3cret\r\n"), "s3cret") ==
          TokenSource::header);
    CHECK_FALSE(token_accepted(req("/json", "Authorization: Basic s3cret\r\n"), "s3cret"));
    CHECK_FALSE(token_accepted(req("/json", "Authorization: Bearer s3cretX\r\n"), "s3cret"));
}
