// Response body capture: the allow-list, the caps and the UTF-8-boundary cut.
#include "monitor/body_capture.hpp"

#include <algorithm>
#include <cstdint>
#include <string>

#include "catch.hpp"

using namespace faultline::monitor;

TEST_CASE("only allow-listed text types are captured, structured ones with the larger cap") {
    CHECK(body_cap("XHR", "application/json") == kStructuredBodyCap);
    CHECK(body_cap("Fetch", "application/json; charset=utf-8") == kStructuredBodyCap);
    CHECK(body_cap("Fetch", "Application/XML") == kStructuredBodyCap);
    CHECK(body_cap("Fetch", "application/vnd.api+json") == kStructuredBodyCap);
    CHECK(body_cap("Fetch", "text/csv") == kStructuredBodyCap);
    CHECK(body_cap("Document", "text/html") == kTextBodyCap);
    CHECK(body_cap("Other", "text/plain") == kTextBodyCap);
    CHECK(body_cap("Fetch", "application/vnd.ms-excel") == 0);
    CHECK(body_cap("Fetch", "application/octet-stream") == 0);
    CHECK(body_cap("Image", "image/png") == 0);
    CHECK(body_cap("Script", "text/plain") == 0);  // scripts are skipped whatever the type
    CHECK(body_cap("Stylesheet", "text/html") == 0);
    CHECK(body_cap("Fetch", "") == 0);
}

TEST_CASE("the cut never ends inside a UTF-8 sequence") {
    const std::string s =
        "ab\xC3\xA9"
        "cd\xE2\x82\xAC"
        "e\xF0\x9F\x98\x80";  // é € 😀
    CHECK(cut_utf8(s, 100) == s);
    CHECK(cut_utf8(s, 3) == "ab");  // inside é
    CHECK(cut_utf8(s, 4) == "ab\xC3\xA9");
    CHECK(cut_utf8(s, 7) ==
          "ab\xC3\xA9"
          "cd");  // inside €
    CHECK(cut_utf8(s, 8) ==
          "ab\xC3\xA9"
          "cd");
    CHECK(cut_utf8(s, 12) ==
          "ab\xC3\xA9"
          "cd\xE2\x82\xAC"
          "e");  // inside 😀
    CHECK(cut_utf8(s, 0).empty());
    CHECK(cut_utf8(s, 1) == "a");
}

TEST_CASE("bodies over the cap are cut and flagged; base64 is decoded first") {
    const std::string big(10000, 'x');
    auto b = capture_body(big, false, kStructuredBodyCap);
    REQUIRE(b);
    CHECK(b->text.size() == kStructuredBodyCap);
    CHECK(b->truncated);
    b = capture_body("aGVsbG8=", true, 100);
    REQUIRE(b);
    CHECK(b->text == "hello");
    CHECK_FALSE(b->truncated);
    b = capture_body("aGVsbG8=", true, 4);
    REQUIRE(b);
    CHECK(b->text == "hell");
    CHECK(b->truncated);
    CHECK_FALSE(capture_body("a$b=", true, 10).has_value());
}

TEST_CASE("base64 decoding") {
    CHECK(decode_base64("") == std::string());
    CHECK(decode_base64("Zg==") == std::string("f"));
    CHECK(decode_base64("Zm8") == std::string("fo"));
    CHECK(decode_base64("Zm9v") == std::string("foo"));
    CHECK_FALSE(decode_base64("Z").has_value());
    CHECK_FALSE(decode_base64("Zm 9v").has_value());
}

TEST_CASE("base64_decoded_size counts the padding off") {
    for (std::string_view raw : {"", "a", "ab", "abc", "abcd", "abcde"}) {
        // Padded and unpadded text give the size of the raw bytes.
        static constexpr char kAlphabet[] =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        std::string b64;
        for (size_t i = 0; i < raw.size(); i += 3) {
            uint32_t v = 0;
            for (size_t j = 0; j < 3; ++j)
                v = v << 8 | (i + j < raw.size() ? static_cast<unsigned char>(raw[i + j]) : 0);
            const size_t chars = std::min<size_t>(4, (raw.size() - i) * 4 / 3 + 1);
            for (size_t k = 0; k < 4; ++k)
                b64 += k < chars ? kAlphabet[(v >> (18 - 6 * k)) & 63] : '=';
        }
        CHECK(base64_decoded_size(b64) == raw.size());
        CHECK(decode_base64(b64)->size() == raw.size());
        const std::string unpadded = b64.substr(0, b64.find('='));
        CHECK(base64_decoded_size(unpadded) == raw.size());
    }
}
