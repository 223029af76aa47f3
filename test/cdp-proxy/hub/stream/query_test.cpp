// The stream and page query parameters: seqs, limits, filters, the stream's batch_ms, and the
// messages that name the parameter.
#include "hub/stream/query.hpp"
#include "catch.hpp"

using namespace faultline::hub;

namespace {
// A RawQuery with the named parameters set.
RawQuery raw(std::initializer_list<std::pair<std::string_view, std::string>> params) {
    RawQuery q;
    for (const auto& [name, value] : params) {
        auto& slot = name == "since"           ? q.since
                     : name == "last_event_id" ? q.last_event_id
                     : name == "limit"         ? q.limit
                     : name == "categories"    ? q.categories
                     : name == "batch_ms"      ? q.batch_ms
                                               : q.types;
        slot = value;
    }
    return q;
}
}  // namespace

TEST_CASE("seqs: 1-20 digits that fit, nothing else") {
    CHECK(parse_seq("0") == 0u);
    CHECK(parse_seq("18446744073709551615") == UINT64_MAX);
    CHECK_FALSE(parse_seq(""));
    CHECK_FALSE(parse_seq("18446744073709551616"));
    CHECK_FALSE(parse_seq("-1"));
    CHECK_FALSE(parse_seq("+1"));
    CHECK_FALSE(parse_seq("1x"));
    CHECK_FALSE(parse_seq(" 1"));
}

TEST_CASE("Last-Event-ID wins over since; a page defaults to 100 from the oldest") {
    StreamQuery q;
    QueryError err;
    REQUIRE(parse_stream_query(raw({{"since", "5"}, {"last_event_id", "9"}}), false, q, err));
    CHECK(q.after == 9u);
    REQUIRE(parse_stream_query(raw({{"since", "5"}, {"last_event_id", ""}}), false, q, err));
    CHECK(q.after == 5u);
    REQUIRE(parse_stream_query({}, false, q, err));
    CHECK_FALSE(q.after);  // a stream without since is live from now
    REQUIRE(parse_stream_query({}, true, q, err));
    CHECK(q.after == 0u);
    CHECK(q.limit == 100);
    REQUIRE(parse_stream_query(raw({{"limit", "10000"}}), true, q, err));
    CHECK(q.limit == 10000);
}

TEST_CASE("bad parameters are refused with the parameter named") {
    StreamQuery q;
    QueryError err;
    CHECK_FALSE(parse_stream_query(raw({{"since", "x"}}), false, q, err));
    CHECK(err.parameter == "since");
    CHECK_FALSE(parse_stream_query(raw({{"last_event_id", "-2"}}), false, q, err));
    CHECK(err.parameter == "Last-Event-ID");
    for (const char* bad : {"0", "10001", "ten"}) {
        CHECK_FALSE(parse_stream_query(raw({{"limit", bad}}), true, q, err));
        CHECK(err.parameter == "limit");
    }
    CHECK_FALSE(parse_stream_query(raw({{"categories", "system,nope"}}), false, q, err));
    CHECK(err.parameter == "categories");
    CHECK(err.message.find("'nope'") != std::string::npos);
    CHECK_FALSE(parse_stream_query(raw({{"types", "no_such_type"}}), false, q, err));
    CHECK(err.parameter == "types");
    for (const char* bad : {"1001", "-1", "0.5", ""}) {
        CHECK_FALSE(parse_stream_query(raw({{"batch_ms", bad}}), false, q, err));
        CHECK(err.parameter == "batch_ms");
    }
}

TEST_CASE("batch_ms: 0 to 1000 on the stream; a page ignores it") {
    StreamQuery q;
    QueryError err;
    REQUIRE(parse_stream_query({}, false, q, err));
    CHECK(q.batch.count() == 0);
    REQUIRE(parse_stream_query(raw({{"batch_ms", "250"}}), false, q, err));
    CHECK(q.batch.count() == 250);
    REQUIRE(parse_stream_query(raw({{"batch_ms", "1000"}}), false, q, err));
    CHECK(q.batch.count() == 1000);
    REQUIRE(parse_stream_query(raw({{"batch_ms", "nope"}}), true, q, err));
    CHECK(q.batch.count() == 0);
}

TEST_CASE("filters: known items, first occurrences, empty lists match everything") {
    StreamQuery q;
    QueryError err;
    REQUIRE(parse_stream_query(
        raw({{"categories", "system,,cdp,system"}, {"types", "cdp_connect"}}), false, q, err));
    CHECK(q.filter.categories == std::vector<std::string>{"system", "cdp"});
    CHECK(q.filter.matches("cdp_connect", "cdp"));
    CHECK_FALSE(q.filter.matches("cdp_disconnect", "cdp"));
    CHECK_FALSE(q.filter.matches("cdp_connect", "page"));
    CHECK(StreamFilter{}.matches("anything", "any"));
}
