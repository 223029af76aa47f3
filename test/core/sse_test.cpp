#include "faultline/sse.hpp"
#include "catch.hpp"

using namespace faultline;

TEST_CASE("frames carry id, event and data") {
    CHECK(sse_frame(42, "system_oom_kill", "{\"a\":1}") ==
          "id: 42\nevent: system_oom_kill\ndata: {\"a\":1}\n\n");
    CHECK(sse_frame(1, "x", "a\nb") == "id: 1\nevent: x\ndata: a\ndata: b\n\n");
    CHECK(sse_comment("heartbeat") == ": heartbeat\n\n");
    CHECK(sse_retry(3000) == "retry: 3000\n\n");
}

TEST_CASE("the parser reads our frames back whatever the chunking") {
    std::string stream = sse_retry(2000) + sse_comment("hi") + sse_frame(7, "t", "one") +
                         sse_frame(8, "u", "two\nlines");
    for (size_t chunk : {1u, 2u, 5u, 1000u}) {
        std::vector<SseEvent> got;
        SseParser p([&](const SseEvent& e) { got.push_back(e); });
        for (size_t i = 0; i < stream.size(); i += chunk)
            p.feed(std::string_view(stream).substr(i, chunk));
        REQUIRE(got.size() == 2);
        CHECK(got[0].id == "7");
        CHECK(got[0].event == "t");
        CHECK(got[0].data == "one");
        CHECK(got[1].data == "two\nlines");
        CHECK(p.retry_ms() == 2000u);
        CHECK(p.comments() == 1);
        CHECK(p.last_event_id() == "8");
    }
}

TEST_CASE("CRLF, CR, BOM, default event type and incomplete events") {
    std::vector<SseEvent> got;
    SseParser p([&](const SseEvent& e) { got.push_back(e); });
    p.feed(
        "\xEF\xBB\xBF"
        "data:a\r\n\r\ndata: b\r\rid: 9\ndata\n\ndata: lost");
    REQUIRE(got.size() == 3);
    CHECK(got[0].event == "message");
    CHECK(got[0].data == "a");
    CHECK(got[1].data == "b");
    CHECK(got[2].id == "9");
    CHECK(got[2].data == "");
}

TEST_CASE("bad retry values are ignored") {
    SseParser p([](const SseEvent&) {});
    p.feed("retry: 12x\n\nretry: 99999999999999999999\n\n");
    CHECK_FALSE(p.retry_ms().has_value());
}
