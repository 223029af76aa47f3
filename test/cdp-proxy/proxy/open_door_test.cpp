// The start-up refusal: which listen addresses are loopback, and what the refusal and the
// warning say.
#include "proxy/open_door.hpp"
#include "catch.hpp"

using namespace faultline::proxy;

TEST_CASE("loopback listen addresses") {
    CHECK(is_loopback_listen("127.0.0.1:9222"));
    CHECK(is_loopback_listen("127.1.2.3:0"));
    CHECK(is_loopback_listen("[::1]:9222"));
    CHECK(is_loopback_listen("localhost:9222"));
    CHECK_FALSE(is_loopback_listen("0.0.0.0:9222"));
    CHECK_FALSE(is_loopback_listen(":9222"));
    CHECK_FALSE(is_loopback_listen("[::]:9222"));
    CHECK_FALSE(is_loopback_listen("10.0.0.5:9222"));
    CHECK_FALSE(is_loopback_listen("127.example.com:9222"));
}

TEST_CASE("an open listener without --token is refused, naming --token and the opt-out") {
    const std::string r = open_door_refusal("0.0.0.0:9222", "127.0.0.1:10001", "", false);
    CHECK(r.find("--cdp-listen 0.0.0.0:9222") != std::string::npos);
    CHECK(r.find("--token") != std::string::npos);
    CHECK(r.find("--allow-unauthenticated") != std::string::npos);
    CHECK(r.find("FAULTLINE_ALLOW_UNAUTHENTICATED") != std::string::npos);
    CHECK(open_door_refusal("127.0.0.1:9222", "0.0.0.0:10001", "", false).find("--api-listen") !=
          std::string::npos);
    CHECK(open_door_refusal("0.0.0.0:9222", "0.0.0.0:1", "t", false).empty());
    CHECK(open_door_refusal("0.0.0.0:9222", "0.0.0.0:1", "", true).empty());
    CHECK(open_door_refusal("127.0.0.1:9222", "[::1]:1", "", false).empty());
    CHECK(open_door_warning("0.0.0.0:9222", "127.0.0.1:1", "", true).starts_with("warning: "));
    CHECK(open_door_warning("127.0.0.1:9222", "127.0.0.1:1", "", true).empty());
    CHECK(open_door_warning("0.0.0.0:9222", "127.0.0.1:1", "t", true).empty());
}
