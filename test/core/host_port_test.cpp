#include "faultline/host_port.hpp"

#include "catch.hpp"

using faultline::HostPort;
using faultline::parse_host_port;

TEST_CASE("host:port, [v6]:port and :port parse") {
    HostPort hp;
    std::string err;
    REQUIRE(parse_host_port("127.0.0.1:9222", hp, err));
    CHECK(hp.host == "127.0.0.1");
    CHECK(hp.port == 9222);
    REQUIRE(parse_host_port("[::1]:10001", hp, err));
    CHECK(hp.host == "::1");
    CHECK(hp.port == 10001);
    REQUIRE(parse_host_port(":0", hp, err));
    CHECK(hp.host.empty());
    CHECK(hp.port == 0);
    REQUIRE(parse_host_port("localhost:65535", hp, err));
    CHECK(hp.host == "localhost");
    CHECK(hp.port == 65535);
    REQUIRE(parse_host_port("[]:1", hp, err));  // empty brackets: empty host, like ":1"
    CHECK(hp.host.empty());
}

TEST_CASE("malformed host:port is refused with a reason and leaves the output alone") {
    HostPort hp{"keep", 7};
    std::string err;
    for (const char* bad : {"", "host", "host:", "host:x", "host:1x", "host:-1", "host:65536",
                            "host:99999999999", "::1:80", "[::1]", "[::1]80", "[::1:80",
                            "[::1]:", "h:+1", "h: 1", "[[::1]:80", "[a[b]:1", "a]:1", "[a]b]:1"}) {
        INFO(bad);
        err.clear();
        CHECK_FALSE(parse_host_port(bad, hp, err));
        CHECK_FALSE(err.empty());
        CHECK(hp.host == "keep");
        CHECK(hp.port == 7);
    }
    parse_host_port("::1:80", hp, err);
    CHECK(err == "an IPv6 address needs brackets: [addr]:port");
    parse_host_port("host:65536", hp, err);
    CHECK(err == "port must be a number from 0 to 65535");
}

TEST_CASE("format_host_port writes what parse_host_port reads") {
    CHECK(faultline::format_host_port({"127.0.0.1", 9223}) == "127.0.0.1:9223");
    CHECK(faultline::format_host_port({"::1", 80}) == "[::1]:80");
    CHECK(faultline::format_host_port({"", 0}) == ":0");
    HostPort hp;
    std::string err;
    REQUIRE(parse_host_port(faultline::format_host_port({"fe80::1", 443}), hp, err));
    CHECK(hp.host == "fe80::1");
    CHECK(hp.port == 443);
}

TEST_CASE("a URL authority: the port is optional, the host required, nothing after it") {
    HostPort hp;
    std::string err;
    REQUIRE(faultline::parse_authority("collector", 80, hp, err));
    CHECK(hp.host == "collector");
    CHECK(hp.port == 80);
    REQUIRE(faultline::parse_authority("[::1]", 4222, hp, err));
    CHECK(hp.host == "::1");
    CHECK(hp.port == 4222);
    REQUIRE(faultline::parse_authority("[::1]:4318", 80, hp, err));
    CHECK(hp.port == 4318);
    for (const char* bad :
         {"", ":80", "h:0", "h:99999", "h:", "[::1", "[::1]x", "::1", "a b", "h/x", "u@h", "a,b"}) {
        CAPTURE(bad);
        err.clear();
        CHECK_FALSE(faultline::parse_authority(bad, 80, hp, err));
        CHECK_FALSE(err.empty());
    }
}
