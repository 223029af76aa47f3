// Interaction payloads from the page are checked: known types and fields only, identity from
// the monitor, rate-limited. That the script never reports sensitive fields (password, payment,
// one-time code) is proved in a real page: monitor_capture.test.js, "typed text of sensitive
// fields never reaches the stream".
#include "monitor/interaction.hpp"

#include <string>

#include "catch.hpp"

using namespace faultline::monitor;

namespace {
const NavContext kCtx{"S1", "T1", "page", "F1", "L1", "https://site.test/", 2};
}

TEST_CASE("a click becomes interaction_click with the monitor's context") {
    auto e =
        interaction_event(kCtx, R"({"type":"interaction_click","x":10,"y":20.6,"selector":"#b",)"
                                R"("tag":"BUTTON","text":"Go","target_id":"forged"})");
    REQUIRE(e);
    CHECK(e->first == "interaction_click");
    CHECK(e->second.find(R"("target_id":"T1")") != std::string::npos);
    CHECK(e->second.find("forged") == std::string::npos);  // pages cannot forge identity
    CHECK(e->second.find(R"("y":20)") != std::string::npos);
}

TEST_CASE("unknown types, missing or mistyped fields and junk are ignored") {
    CHECK_FALSE(interaction_event(kCtx, R"({"type":"interaction_eval","x":1})"));
    CHECK_FALSE(
        interaction_event(kCtx, R"({"type":"interaction_key","selector":"#a","tag":"INPUT"})"));
    CHECK_FALSE(
        interaction_event(kCtx, R"({"type":"interaction_key","key":5,"selector":"","tag":""})"));
    CHECK_FALSE(interaction_event(kCtx, "not json"));
    CHECK_FALSE(interaction_event(kCtx, std::string(5000, ' ')));
}

TEST_CASE("at most one event per session and type per interval") {
    RateLimiter r(50);
    CHECK(r.allow("S1click", 0));
    CHECK_FALSE(r.allow("S1click", 49));
    CHECK(r.allow("S1key", 49));
    CHECK(r.allow("S1click", 50));
}
