// Unit tests of cdp-proxy/hub/sinks/nats/subject: NATS names (subjects, wildcard matching,
// prefixes) and server lists.
#include "hub/sinks/nats/subject.hpp"
#include "catch.hpp"

TEST_CASE("NATS subjects: tokens, wildcards, prefixes") {
    using namespace faultline::hub::sinks::nats;
    CHECK(event_subject("faultline", "vm-1", "system", "service_crashed") ==
          "faultline.vm-1.system.service_crashed");
    CHECK(subject_token("vm-1.example.com") == "vm-1_example_com");
    CHECK(subject_token("a b*c>d\te") == "a_b_c_d_e");
    CHECK(subject_token("") == "_");
    CHECK(subject_matches("faultline.>", "faultline.vm.system.x"));
    CHECK(subject_matches("faultline.*.system.*", "faultline.vm.system.x"));
    CHECK(subject_matches("faultline.vm.system.x", "faultline.vm.system.x"));
    CHECK_FALSE(subject_matches("faultline.>", "faultline"));
    CHECK_FALSE(subject_matches("faultline.*", "faultline.vm.system"));
    CHECK_FALSE(subject_matches("other.>", "faultline.vm.system.x"));
    CHECK_FALSE(subject_matches("faultline.*.cdp.>", "faultline.vm.system.x"));
    std::string error;
    CHECK(valid_subject_prefix("fleet.faultline", error));
    for (const char* bad : {"", "a..b", "a.*", "a.>", "a b", ".a", "a."})
        CHECK_FALSE(valid_subject_prefix(bad, error));
}

TEST_CASE("NATS server lists") {
    using namespace faultline::hub::sinks::nats;
    std::vector<std::string> urls;
    std::string error;
    REQUIRE(
        parse_server_list("nats://a:4222, tls://b:4223,c,[::1]:4224,nats://u:p@d:1", urls, error));
    CHECK(urls == std::vector<std::string>{"nats://a:4222", "tls://b:4223", "c", "[::1]:4224",
                                           "nats://u:p@d:1"});
    for (const char* bad : {"", "nats://", "http://a:1", "nats://a:0", "nats://a:65536",
                            "nats://a:x", "a,,b", "nats://a b:1", "nats://[::1", "nats://a/x"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_server_list(bad, urls, error));
    }
    CHECK_FALSE(parse_server_list("http://a:1", urls, error));
    CHECK(error == "'http://a:1': the scheme must be nats:// or tls://");
}
