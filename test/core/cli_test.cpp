#include "faultline/cli.hpp"
#include "catch.hpp"

#include <cstdlib>

using faultline::FlagSet;

namespace {
struct Args {
    std::vector<std::string> s;
    std::vector<char*> p;
    Args(std::initializer_list<std::string> l) : s(l) {
        for (auto& x : s) p.push_back(x.data());
    }
    int argc() { return static_cast<int>(p.size()); }
    char** argv() { return p.data(); }
};
}  // namespace

TEST_CASE("flags, environment twins and errors") {
    std::string hub = "http://127.0.0.1:10001";
    uint64_t n = 5;
    bool quiet = false;
    FlagSet f("prog", "prog [OPTIONS]", "Does things.");
    f.add_string("hub", &hub, "hub URL", "URL");
    f.add_uint("max-things", &n, "how many");
    f.add_bool("quiet", &quiet, "say less");
    std::string err;

    ::setenv("FAULTLINE_MAX_THINGS", "9", 1);
    Args a{"prog", "--hub", "http://h:1", "--quiet"};
    REQUIRE(f.parse(a.argc(), a.argv(), err) == FlagSet::Result::ok);
    CHECK(hub == "http://h:1");
    CHECK(n == 9);
    CHECK(quiet);

    Args b{"prog", "--max-things=3"};
    REQUIRE(f.parse(b.argc(), b.argv(), err) == FlagSet::Result::ok);
    CHECK(n == 3);

    Args c{"prog", "--max-things", "x"};
    CHECK(f.parse(c.argc(), c.argv(), err) == FlagSet::Result::error);
    CHECK(err == "--max-things 'x': expected a non-negative integer");
    ::setenv("FAULTLINE_MAX_THINGS", "-1", 1);
    Args d{"prog"};
    CHECK(f.parse(d.argc(), d.argv(), err) == FlagSet::Result::error);
    CHECK(err == "FAULTLINE_MAX_THINGS='-1': expected a non-negative integer");
    ::unsetenv("FAULTLINE_MAX_THINGS");

    Args e{"prog", "--nope"};
    CHECK(f.parse(e.argc(), e.argv(), err) == FlagSet::Result::error);
    CHECK(err == "unknown flag '--nope' (see --help)");
    Args g{"prog", "--hub"};
    CHECK(f.parse(g.argc(), g.argv(), err) == FlagSet::Result::error);
    Args h{"prog", "--help"};
    CHECK(f.parse(h.argc(), h.argv(), err) == FlagSet::Result::help);
    CHECK(f.help().find("env FAULTLINE_MAX_THINGS") != std::string::npos);
}

TEST_CASE("a repeatable flag collects every value, its variable's first") {
    std::vector<std::string> headers;
    FlagSet f("prog", "prog [OPTIONS]", "Does things.");
    f.add_list("otlp-header", &headers, "a header", "NAME=VALUE");
    CHECK(f.help().find("(repeatable)") != std::string::npos);
    ::setenv("FAULTLINE_OTLP_HEADER", "a=1", 1);
    Args a{"prog", "--otlp-header", "b=2", "--otlp-header=c=3"};
    std::string err;
    REQUIRE(f.parse(a.argc(), a.argv(), err) == FlagSet::Result::ok);
    ::unsetenv("FAULTLINE_OTLP_HEADER");
    CHECK(headers == std::vector<std::string>{"a=1", "b=2", "c=3"});
}
