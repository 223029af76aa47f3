#include "faultline/json_writer.hpp"
#include "catch.hpp"

#include <limits>
#include <optional>

using faultline::json_string;

TEST_CASE("strings escape quotes, backslashes and control characters") {
    CHECK(json_string("plain") == "\"plain\"");
    CHECK(json_string("a\"b\\c") == "\"a\\\"b\\\\c\"");
    CHECK(json_string("\n\t\x01\x1f") == "\"\\u000a\\u0009\\u0001\\u001f\"");
    CHECK(json_string(std::string_view("\0x", 2)) == "\"\\u0000x\"");
}

TEST_CASE("valid UTF-8 passes through, invalid bytes become U+FFFD") {
    CHECK(json_string("Web Content \xc3\xa9") == "\"Web Content \xc3\xa9\"");
    CHECK(json_string("\xf0\x9f\x98\x80") == "\"\xf0\x9f\x98\x80\"");
    CHECK(json_string("a\xffz") == "\"a\\ufffdz\"");
    CHECK(json_string("\xc3") == "\"\\ufffd\"");                        // truncated sequence
    CHECK(json_string("\xed\xa0\x80") == "\"\\ufffd\\ufffd\\ufffd\"");  // surrogate
    CHECK(json_string("\xc0\xaf") == "\"\\ufffd\\ufffd\"");             // overlong
}

TEST_CASE("non-finite numbers encode as null") {
    faultline::JsonObject o;
    o.add("a", 1.5).add("b", std::numeric_limits<double>::infinity());
    o.add("c", std::numeric_limits<double>::quiet_NaN()).add("d", int64_t{-7});
    CHECK(o.finish() == R"({"a":1.5,"b":null,"c":null,"d":-7})");
}

TEST_CASE("objects keep insertion order and encode every kind of value") {
    std::optional<int> none, some = 3;
    auto s = faultline::JsonObject()
                 .add("s", "x")
                 .add("t", true)
                 .add("n", nullptr)
                 .add("l", std::vector<std::string>{"a", "b\""})
                 .add_if("none", none)
                 .add_if("some", some)
                 .add_raw("r", "{}")
                 .finish();
    CHECK(s == R"({"s":"x","t":true,"n":null,"l":["a","b\""],"some":3,"r":{}})");
}
