// The OTLP sink's pure parts: severity mapping, RFC 3339 to Unix nanoseconds, the log record
// description of an envelope (attributes, semantic conventions), the JSON encoder's output as
// JSON, partialSuccess in JSON and protobuf, Retry-After and OTEL_EXPORTER_OTLP_HEADERS parsing.
// What the encoders send is decoded with the official OTLP definitions in otlp_exporter.test.js.
#include <simdjson.h>

#include <map>

#include "catch.hpp"
#include "hub/sinks/otlp/log_fields.hpp"
#include "hub/sinks/otlp/logs_encoder.hpp"
#include "hub/sinks/otlp/otlp_exporter.hpp"
#include "hub/sinks/otlp/otlp_response.hpp"
#include "hub/sinks/otlp/protobuf_writer.hpp"
#include "hub/sinks/otlp/severity.hpp"
#include "hub/sinks/retry_after.hpp"

using namespace faultline::hub::sinks;
using namespace faultline::hub::sinks::otlp;

TEST_CASE("severity: ERROR for failures, WARN for soft failures and warnings, INFO otherwise") {
    for (auto t : {"system_oom_kill", "service_crashed", "page_crashed", "console_error"})
        CHECK(severity_of(t, "", "").number == 17);
    CHECK(severity_of("memory_pressure", "critical", "").text == "ERROR");
    CHECK(severity_of("memory_pressure", "warning", "").text == "WARN");
    CHECK(severity_of("memory_pressure", "ok", "").text == "INFO");
    CHECK(severity_of("network_loading_failed", "", "").number == 13);
    CHECK(severity_of("cdp_disconnect", "", "upstream_error").number == 13);
    CHECK(severity_of("cdp_disconnect", "", "client_close").number == 9);
    CHECK(severity_of("cdp_connect", "", "").number == 9);
    CHECK(severity_of("console_log", "", "").number == 9);
}

namespace {

const char* kNetwork =
    R"({"seq":42,"ts":"2026-06-12T20:05:01.000000001Z","type":"network_response","category":"network",)"
    R"("source":{"kind":"cdp-monitor","host":"vm-1","pid":7},"id":"m:1","capture_session_id":"cap-1",)"
    R"("data":{"method":"POST","url":"https://x.test/a","status":503,"headers":{"a":"b"},"ok":false,"n":null,"xs":[1,2.5,"s"]}})";

std::map<std::string, std::string> attribute_map(const LogFields& f) {
    std::map<std::string, std::string> m;
    for (const auto& a : f.attributes)
        m[std::string(a.key)] = a.integer ? std::to_string(*a.integer) : std::string(a.str);
    return m;
}

}  // namespace

TEST_CASE(
    "an envelope's log record: times, event_name, body, attributes, HTTP semantic conventions") {
    simdjson::dom::parser p;
    LogFields f;
    REQUIRE(log_fields(p, {kNetwork, "hub-1:42", 99}, f));
    CHECK(f.time_ns == 1781294701000000001u);
    CHECK(f.observed_ns == 99u);
    CHECK(f.event_name == "network_response");
    CHECK(f.severity.number == 9);
    CHECK(f.has_body);
    auto m = attribute_map(f);
    CHECK(m["faultline.seq"] == "42");
    CHECK(m["faultline.idempotency_key"] == "hub-1:42");
    CHECK(m["faultline.category"] == "network");
    CHECK(m["faultline.source.kind"] == "cdp-monitor");
    CHECK(m["faultline.source.host"] == "vm-1");
    CHECK(m["faultline.source.pid"] == "7");
    CHECK(m["faultline.event_id"] == "m:1");
    CHECK(m["faultline.capture_session_id"] == "cap-1");
    CHECK(m["http.request.method"] == "POST");
    CHECK(m["url.full"] == "https://x.test/a");
    CHECK(m["http.response.status_code"] == "503");

    LogFields oom;
    REQUIRE(log_fields(
        p,
        {R"({"seq":1,"ts":"bad","type":"system_oom_kill","category":"system","source":{"kind":"kmsg"},"id":null,"capture_session_id":null,"data":{"pid":1}})",
         "k", 5},
        oom));
    CHECK(oom.time_ns == 5u);  // an unreadable ts falls back to the observed time
    CHECK(oom.severity.text == "ERROR");
    CHECK(attribute_map(oom).count("http.request.method") == 0);
    CHECK(attribute_map(oom).count("faultline.event_id") == 0);
    LogFields junk;
    CHECK_FALSE(log_fields(p, {"not json", "k", 1}, junk));
}

TEST_CASE("the JSON encoder writes one valid ExportLogsServiceRequest with every record") {
    OtlpResource r{"faultline", "vm-1", "0.1.0"};
    std::vector<OtlpInput> in{{kNetwork, "hub-1:42", 7}, {"garbage", "hub-1:43", 8}};
    const std::string body = encode_logs_json(r, in);
    simdjson::dom::parser p;
    simdjson::dom::element doc;
    REQUIRE_FALSE(p.parse(body).get(doc));
    simdjson::dom::element rl = doc["resourceLogs"].at(0);
    CHECK(std::string_view(rl["resource"]["attributes"].at(1)["value"]["stringValue"]) == "vm-1");
    simdjson::dom::array records = rl["scopeLogs"].at(0)["logRecords"];
    REQUIRE(records.size() == 2);
    simdjson::dom::element first = records.at(0);
    CHECK(std::string_view(first["timeUnixNano"]) == "1781294701000000001");
    CHECK(std::string_view(first["eventName"]) == "network_response");
    CHECK(int64_t(first["severityNumber"]) == 9);
    simdjson::dom::array body_values = first["body"]["kvlistValue"]["values"];
    CHECK(body_values.size() == 7);
    CHECK(std::string_view(records.at(1)["body"]["stringValue"]) == "garbage");
}

TEST_CASE("the protobuf writer: varints, fixed64 and length prefixes") {
    std::string out;
    ProtobufWriter w(out);
    w.uint(1, 300);
    CHECK(out == std::string("\x08\xac\x02", 3));
    out.clear();
    size_t m = w.begin(2);
    w.string(1, std::string(200, 'a'));
    w.end(m);
    // tag 0x12, length 203 (varint 0xcb 0x01), inner tag 0x0a, length 200 (0xc8 0x01)
    CHECK(out.substr(0, 5) == std::string("\x12\xcb\x01\x0a\xc8", 5));
    CHECK(out.size() == 1 + 2 + 1 + 2 + 200);
    out.clear();
    w.fixed(1, 1);
    CHECK(out == std::string("\x09\x01\0\0\0\0\0\0\0", 9));
}

TEST_CASE("partialSuccess in JSON (int64 as string or number) and protobuf") {
    PartialSuccess ps;
    REQUIRE(parse_partial_success_json(
        R"({"partialSuccess":{"rejectedLogRecords":"3","errorMessage":"bad\nrecord"}})", ps));
    CHECK(ps.rejected == 3);
    CHECK(ps.message == "bad record");
    PartialSuccess n;
    REQUIRE(parse_partial_success_json(R"({"partialSuccess":{"rejectedLogRecords":2}})", n));
    CHECK(n.rejected == 2);
    PartialSuccess empty;
    CHECK(parse_partial_success_json("", empty));
    CHECK(parse_partial_success_json("{}", empty));
    CHECK(empty.rejected == 0);
    CHECK_FALSE(
        parse_partial_success_json(R"({"partialSuccess":{"rejectedLogRecords":"x"}})", empty));
    CHECK_FALSE(parse_partial_success_json("[1]", empty));

    PartialSuccess pb;  // partial_success { rejected_log_records: 3, error_message: "x" }
    REQUIRE(parse_partial_success_protobuf(std::string("\x0a\x05\x08\x03\x12\x01x", 7), pb));
    CHECK(pb.rejected == 3);
    CHECK(pb.message == "x");
    PartialSuccess none;
    CHECK(parse_partial_success_protobuf("", none));
    CHECK(none.rejected == 0);
    CHECK_FALSE(parse_partial_success_protobuf(std::string("\x0a\x09\x08", 3), none));
}

TEST_CASE("error bodies: google.rpc.Status message in JSON or protobuf, else the text") {
    CHECK(error_message(R"({"code":3,"message":"invalid log record"})", false) ==
          "invalid log record");
    CHECK(error_message(std::string("\x08\x03\x12\x04oops", 8), true) == "oops");
    CHECK(error_message("Bad Request\n", false) == "Bad Request ");
}

TEST_CASE("Retry-After: seconds or an HTTP date, capped; anything else ignored") {
    using std::chrono::milliseconds;
    CHECK(parse_retry_after("3", 0) == milliseconds(3000));
    CHECK(parse_retry_after(" 0 ", 0) == milliseconds(0));
    CHECK(parse_retry_after("100000", 0) == kMaxRetryAfter);
    // Sun, 06 Nov 1994 08:49:37 GMT = 784111777
    CHECK(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784111770) == milliseconds(7000));
    CHECK(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784111999) == milliseconds(0));
    CHECK_FALSE(parse_retry_after("soon", 0));
    CHECK_FALSE(parse_retry_after("", 0));
    CHECK_FALSE(parse_retry_after("-1", 0));
    CHECK_FALSE(parse_retry_after("Sun, 06 Foo 1994 08:49:37 GMT", 0));
}

TEST_CASE("OTLP headers: NAME=VALUE lists with percent-decoded values; errors never show values") {
    HttpHeaders h;
    std::string err;
    REQUIRE(parse_otlp_headers("Authorization=Bearer%20tok, x-team = a=b ,", h, err));
    REQUIRE(h.size() == 2);
    CHECK(h[0] == std::pair<std::string, std::string>{"Authorization", "Bearer tok"});
    CHECK(h[1] == std::pair<std::string, std::string>{"x-team", "a=b"});
    CHECK_FALSE(parse_otlp_headers("novalue", h, err));
    CHECK_FALSE(parse_otlp_headers("bad name=secretvalue", h, err));
    CHECK(err.find("secretvalue") == std::string::npos);
    CHECK_FALSE(parse_otlp_headers("x=a%0d%0aInjected: 1", h, err));
}
