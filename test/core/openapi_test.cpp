#include "faultline/openapi.hpp"
#include "catch.hpp"
#include "faultline_version.h"

#include <fstream>
#include <sstream>

TEST_CASE("packaging/openapi.yaml is the generated text") {
    std::ifstream in(FAULTLINE_SOURCE_ROOT "/packaging/openapi.yaml");
    REQUIRE(in.good());
    std::stringstream ss;
    ss << in.rdbuf();
    INFO("regenerate with: build/core/faultline-openapi > packaging/openapi.yaml");
    CHECK(ss.str() == faultline::generate_openapi_yaml(FAULTLINE_VERSION));
}

TEST_CASE("every event type has a category, fields and a data schema") {
    std::string doc = faultline::generate_openapi_yaml("x");
    for (const auto& s : faultline::all_event_specs()) {
        CHECK(faultline::is_known_category(s.category));
        CHECK_FALSE(s.fields.empty());
        CHECK(doc.find(std::string("    ") + std::string(s.type) + "_data:") != std::string::npos);
    }
}
