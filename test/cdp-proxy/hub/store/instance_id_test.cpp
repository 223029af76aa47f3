// Unit tests of cdp-proxy/hub/store/instance_id: the hub's instance id (the prefix of every
// sink's event key).
#include <fstream>

#include "../test_support.hpp"
#include "catch.hpp"
#include "hub/store/instance_id.hpp"

using namespace faultline::hub;

TEST_CASE("the instance id is created once and stays the same") {
    const std::string dir = hubtest::temp_dir();
    std::string a, b, error;
    REQUIRE(load_instance_id(dir, a, error));
    REQUIRE(load_instance_id(dir, b, error));
    CHECK(valid_instance_id(a));
    CHECK(a == b);
    CHECK(new_instance_id() != new_instance_id());
    std::ofstream(dir + "/instance-id") << "not-an-id\n";
    CHECK_FALSE(load_instance_id(dir, a, error));
    CHECK(error.find("does not hold an instance id") != std::string::npos);
}
