// The S2 sink's pure parts: metered sizes and batch cutting at S2's limits, the AppendInput
// body (valid JSON, headers, escaped envelope, match_seq_num), S2's answers (AppendAck, 412,
// tail, ReadBatch, ErrorInfo) including malformed ones, and which records a 412 shows to be
// already written. The writer itself runs against the S2 test server in s2_writer.test.js.
#include <simdjson.h>

#include "catch.hpp"
#include "hub/sinks/s2/s2_batch.hpp"
#include "hub/sinks/s2/s2_response.hpp"
#include "hub/sinks/s2/s2_writer.hpp"
#include "hub/sinks/sink_http.hpp"

using namespace faultline::hub::sinks;
using namespace faultline::hub::sinks::s2;

namespace {

S2Record rec(uint64_t seq, size_t body_bytes = 10) {
    return {seq, "cdp_connect", "hub-1:" + std::to_string(seq), std::string(body_bytes, 'x')};
}

}  // namespace

TEST_CASE("metered bytes follow S2's formula: 8 + 2 per header + names + values + body") {
    S2Record r{42, "system_oom_kill", "abc:42", "{\"seq\":42}"};
    // headers: seq=42, type=system_oom_kill, idempotency-key=abc:42
    const size_t expect = 8 + 2 * 3 + (3 + 2) + (4 + 15) + (15 + 6) + 10;
    CHECK(metered_bytes(r) == expect);
    CHECK_FALSE(oversized(r));
    CHECK(oversized(rec(1, kMaxBatchMeteredBytes)));
}

TEST_CASE("batches hold at most 1,000 records and 1 MiB of metered bytes") {
    std::vector<S2Record> small;
    for (uint64_t i = 1; i <= 2500; ++i) small.push_back(rec(i));
    CHECK(take_batch(small) == 1000);
    CHECK(take_batch(std::span(small).subspan(2000)) == 500);
    CHECK(take_batch({}) == 0);

    std::vector<S2Record> big;  // 300 KiB each: three fit in 1 MiB, four do not
    for (uint64_t i = 1; i <= 10; ++i) big.push_back(rec(i, 300 * 1024));
    const size_t n = take_batch(big);
    CHECK(n == 3);
    size_t total = 0;
    for (size_t i = 0; i < n; ++i) total += metered_bytes(big[i]);
    CHECK(total <= kMaxBatchMeteredBytes);

    // An oversized record stops a batch before it and comes alone after it.
    std::vector<S2Record> mixed{rec(1), rec(2), rec(3, 2 << 20), rec(4)};
    CHECK(take_batch(mixed) == 2);
    CHECK(take_batch(std::span(mixed).subspan(2)) == 1);
}

TEST_CASE(
    "the append body is AppendInput JSON with headers, the escaped envelope and match_seq_num") {
    std::vector<S2Record> b{{7, "service_crashed", "h:7", R"({"seq":7,"data":{"name":"a\"b ü"}})"},
                            {8, "cdp_connect", "h:8", "{}"}};
    const std::string body = append_body(b, 41);
    simdjson::dom::parser p;
    simdjson::dom::element doc;
    REQUIRE_FALSE(p.parse(body).get(doc));
    CHECK(uint64_t(doc["match_seq_num"]) == 41);
    simdjson::dom::array records = doc["records"];
    REQUIRE(records.size() == 2);
    simdjson::dom::element first = records.at(0);
    CHECK(std::string_view(first["body"]) == b[0].body);
    simdjson::dom::array headers = first["headers"];
    REQUIRE(headers.size() == 3);
    CHECK(std::string_view(headers.at(0).at(0)) == "seq");
    CHECK(std::string_view(headers.at(0).at(1)) == "7");
    CHECK(std::string_view(headers.at(1).at(1)) == "service_crashed");
    CHECK(std::string_view(headers.at(2).at(0)) == "idempotency-key");
    CHECK(std::string_view(headers.at(2).at(1)) == "h:7");
    CHECK(append_body(b, std::nullopt).find("match_seq_num") == std::string::npos);
}

TEST_CASE("AppendAck: start, end and tail; inconsistent or missing fields are errors") {
    S2AppendAck ack;
    std::string err;
    REQUIRE(parse_append_ack(
        R"({"start":{"seq_num":10,"timestamp":1},"end":{"seq_num":15,"timestamp":2},"tail":{"seq_num":15,"timestamp":2}})",
        ack, err));
    CHECK(ack.start == 10);
    CHECK(ack.end == 15);
    CHECK(ack.tail == 15);
    CHECK_FALSE(parse_append_ack(
        R"({"start":{"seq_num":10},"end":{"seq_num":9},"tail":{"seq_num":9}})", ack, err));
    CHECK_FALSE(parse_append_ack(R"({"start":{"seq_num":1}})", ack, err));
    CHECK_FALSE(parse_append_ack("<html>", ack, err));
    CHECK(err.find("not JSON") != std::string::npos);
}

TEST_CASE("412 bodies: seq_num_mismatch or fencing_token_mismatch") {
    S2ConditionFailed c;
    std::string err;
    REQUIRE(parse_condition_failed(R"({"seq_num_mismatch":123})", c, err));
    CHECK(c.seq_num_mismatch == 123u);
    S2ConditionFailed f;
    REQUIRE(parse_condition_failed(R"({"fencing_token_mismatch":"tok"})", f, err));
    CHECK(f.fencing_token_mismatch == "tok");
    S2ConditionFailed bad;
    CHECK_FALSE(parse_condition_failed(R"({"code":"x"})", bad, err));
}

TEST_CASE("tail and read batches; records' idempotency keys come from their headers") {
    uint64_t tail = 0;
    std::string err;
    REQUIRE(parse_tail(R"({"tail":{"seq_num":77,"timestamp":5}})", tail, err));
    CHECK(tail == 77);
    CHECK_FALSE(parse_tail(R"({"tail":{}})", tail, err));

    S2ReadBatch batch;
    REQUIRE(parse_read_batch(
        R"({"records":[{"seq_num":5,"timestamp":1,"headers":[["seq","9"],["idempotency-key","h:9"]],"body":"x"},
                       {"seq_num":6,"timestamp":1,"body":"foreign"},
                       {"seq_num":7,"timestamp":1,"headers":[["bad"],["idempotency-key",3]]}],
            "tail":{"seq_num":8,"timestamp":1}})",
        batch, err));
    REQUIRE(batch.records.size() == 3);
    CHECK(batch.records[0].seq_num == 5);
    CHECK(batch.records[0].key == "h:9");
    CHECK(batch.records[1].key.empty());
    CHECK(batch.records[2].key.empty());
    CHECK(batch.tail == 8u);
    S2ReadBatch none;
    CHECK_FALSE(parse_read_batch(R"({"records":[{"body":"no seq"}]})", none, err));
}

TEST_CASE("error bodies read as 'code: message' on one line, else the body cut short") {
    CHECK(error_summary(R"({"code":"stream_not_found","message":"stream 'x' does not exist"})") ==
          "stream_not_found: stream 'x' does not exist");
    CHECK(error_summary("plain\ntext") == "plain text");
    CHECK(error_summary("") == "(empty body)");
    CHECK(error_summary(std::string(1000, 'a')).size() == 300);
}

TEST_CASE(
    "after a 412, the records already in the stream are the prefix up to the newest key read") {
    std::vector<S2Record> pending{rec(10), rec(11), rec(12), rec(13)};
    auto read = [](std::initializer_list<const char*> keys) {
        std::vector<S2ReadRecord> v;
        uint64_t s = 100;
        for (const char* k : keys) v.push_back({s++, k});
        return v;
    };
    CHECK(already_written(pending, read({"hub-1:10", "hub-1:11", "hub-1:12", "hub-1:13"})) == 4);
    CHECK(already_written(pending, read({"hub-1:10", "hub-1:11"})) == 2);
    CHECK(already_written(pending, read({"other:1", "", "hub-1:9"})) == 0);  // foreign and older
    CHECK(already_written(pending, read({"hub-1:8", "hub-1:9", "hub-1:10", "other:5"})) == 1);
    CHECK(already_written(pending, {}) == 0);
    // The stream ran past this chunk (a cursor that lagged more than one read window).
    CHECK(already_written(pending, read({"hub-1:40", "hub-1:41"})) == 4);
    CHECK(already_written(pending, read({"hub-1:12", "hub-10:99", "hub-1:x"})) == 3);
}

TEST_CASE("stream names are percent-encoded as one path segment") {
    CHECK(encode_path_segment("faultline-events_1.x~") == "faultline-events_1.x~");
    CHECK(encode_path_segment("a/b c?%") == "a%2Fb%20c%3F%25");
}

TEST_CASE("sink endpoints: http and https URLs split into origin and path; others refused") {
    SinkEndpoint e;
    std::string err;
    REQUIRE(parse_sink_endpoint("http://127.0.0.1:8080/v1/", e, err));
    CHECK(e.origin == "http://127.0.0.1:8080");
    CHECK(e.path == "/v1");
    REQUIRE(parse_sink_endpoint("http://[::1]:4318", e, err));
    CHECK(e.origin == "http://[::1]:4318");
    CHECK(e.path.empty());
    CHECK_FALSE(parse_sink_endpoint("ftp://x", e, err));
    CHECK_FALSE(parse_sink_endpoint("http://user:pw@host/", e, err));
    CHECK_FALSE(parse_sink_endpoint("http:///v1", e, err));
    for (const char* bad : {"http://h:99999", "http://[::1", "http://[::1/v1", "http://::1/v1",
                            "http://h:0/", "http://h:/v1", "http://:80/v1", "http://a b/"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_sink_endpoint(bad, e, err));
    }
    REQUIRE(parse_sink_endpoint("http://collector/v1/logs", e, err));  // the scheme's port
    CHECK(e.origin == "http://collector");
    CHECK(parse_sink_endpoint("https://basin.b.s2.dev/v1", e, err) == sink_tls_available());
}

TEST_CASE("the writer checks basin and stream names and the endpoint before it starts") {
    std::string err;
    S2Options o;
    o.basin = "Bad_Basin", o.stream = "events";
    CHECK_FALSE(S2Writer(o).open(err));
    CHECK(err.find("--s2-basin") != std::string::npos);
    o.basin = "faultline-test", o.stream = "";
    CHECK_FALSE(S2Writer(o).open(err));
    CHECK(err.find("--s2-stream") != std::string::npos);
    o.stream = "events", o.endpoint = "gopher://x", o.token = "s3cr3t-token";
    CHECK_FALSE(S2Writer(o).open(err));
    CHECK(err.find("--s2-endpoint") != std::string::npos);
    CHECK(err.find("s3cr3t") == std::string::npos);
    o.endpoint = "http://127.0.0.1:1";
    CHECK(S2Writer(o).open(err));
}
