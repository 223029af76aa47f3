// The configuration API's body rules: opt-in PUT, merging PATCH, unknown categories ignored,
// monitor never configurable, the state always lists every category.
#include "hub/http/telemetry_config.hpp"

#include <simdjson.h>

#include "catch.hpp"

using namespace faultline::hub;
using V = std::vector<std::string>;

TEST_CASE("PUT without a body or without browser is the default set") {
    TelemetryPatch p;
    std::string err;
    REQUIRE(parse_telemetry_body("", p, err));
    CHECK(put_categories(p) == default_telemetry_categories());
    REQUIRE(parse_telemetry_body("{}", p, err));
    CHECK(put_categories(p) == default_telemetry_categories());
    // The replaced system's defaults (control, connection, system, captcha) and cdp.
    CHECK(default_telemetry_categories() == V{"system", "cdp", "control", "connection", "captcha"});
}

TEST_CASE("PUT is opt-in: exactly the categories whose enabled is true") {
    TelemetryPatch p;
    std::string err;
    REQUIRE(parse_telemetry_body(
        R"({"browser":{"page":{"enabled":true},"console":{"enabled":false},"network":{},)"
        R"("future_category":{"enabled":true},"monitor":{"enabled":true}}})",
        p, err));
    CHECK(put_categories(p) == V{"page"});
    REQUIRE(parse_telemetry_body(R"({"browser":{}})", p, err));
    CHECK(put_categories(p).empty());
}

TEST_CASE("PATCH adds what is true, removes what is false, leaves the rest") {
    TelemetryPatch p;
    std::string err;
    REQUIRE(parse_telemetry_body(
        R"({"browser":{"network":{"enabled":true},"page":{"enabled":false}}})", p, err));
    CHECK(patch_categories(V{"page", "console"}, p) == V{"console", "network"});
}

TEST_CASE("bad bodies are refused with a message") {
    TelemetryPatch p;
    std::string err;
    CHECK_FALSE(parse_telemetry_body("not json", p, err));
    CHECK(err.find("JSON object") != std::string::npos);
    CHECK_FALSE(parse_telemetry_body(R"({"browser":[1]})", p, err));
    CHECK(err.find("'browser'") != std::string::npos);
}

TEST_CASE("the state lists every configurable category; system and cdp are always on") {
    const std::string s = telemetry_state_json(V{"page"}, 42, 1000, "cap-1");
    simdjson::dom::parser parser;
    auto doc = parser.parse(s);
    bool b = false;
    REQUIRE(!doc["config"]["browser"]["page"]["enabled"].get_bool().get(b));
    CHECK(b);
    REQUIRE(!doc["config"]["browser"]["console"]["enabled"].get_bool().get(b));
    CHECK_FALSE(b);
    REQUIRE(!doc["config"]["browser"]["system"]["enabled"].get_bool().get(b));
    CHECK(b);
    CHECK(doc["config"]["browser"]["monitor"].error() == simdjson::NO_SUCH_FIELD);
    int64_t seq = 0;
    REQUIRE(!doc["seq"].get_int64().get(seq));
    CHECK(seq == 42);
    std::string_view at;
    REQUIRE(!doc["applied_at"].get_string().get(at));
    CHECK(at == "1970-01-01T00:00:01.000000000Z");
    const std::string none = telemetry_state_json({}, 7, std::nullopt, {});
    CHECK(none.find("applied_at") == std::string::npos);
}
