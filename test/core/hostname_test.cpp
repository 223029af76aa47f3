#include "faultline/hostname.hpp"

#include <sys/utsname.h>

#include "catch.hpp"

TEST_CASE("hostname_or prefers the given name, else the kernel's") {
    CHECK(faultline::hostname_or("vm-7") == "vm-7");
    utsname u{};
    REQUIRE(uname(&u) == 0);
    CHECK(faultline::hostname_or("") == u.nodename);
    CHECK_FALSE(faultline::hostname_or("").empty());
}
