#include "catch.hpp"
#include "faultline/event_decode.hpp"

using namespace faultline;

namespace {
const char* kOom =
    R"({"ts":"2026-06-12T20:05:01.123456789Z","type":"system_oom_kill","source":{"kind":"kmsg","host":"vm-1"},)"
    R"("id":"kmsgmon-3f2a:17","data":{"pid":4242,"process_name":"Web Content","message":"Killed process 4242"}})";

DecodeError decode_error(std::string_view json) {
    EventDecoder d;
    Event e;
    DecodeError err;
    REQUIRE_FALSE(d.decode(json, e, err));
    return err;
}
}  // namespace

TEST_CASE("decode fills the envelope and canonicalises data") {
    EventDecoder d;
    Event e;
    DecodeError err;
    REQUIRE(d.decode(kOom, e, err));
    CHECK(e.type == "system_oom_kill");
    CHECK(e.category == "system");
    CHECK(e.source.kind == "kmsg");
    CHECK(e.source.host == "vm-1");
    CHECK(e.id == "kmsgmon-3f2a:17");
    CHECK(e.seq == 0);
    CHECK(e.data == R"({"pid":4242,"process_name":"Web Content","message":"Killed process 4242"})");
    e.seq = 42;
    CHECK(
        encode_event(e) ==
        R"({"seq":42,"ts":"2026-06-12T20:05:01.123456789Z","type":"system_oom_kill","category":"system",)"
        R"("source":{"kind":"kmsg","host":"vm-1"},"id":"kmsgmon-3f2a:17","capture_session_id":null,)"
        R"("data":{"pid":4242,"process_name":"Web Content","message":"Killed process 4242"}})");
}

TEST_CASE("encode and decode round-trip, whitespace and escapes included") {
    Event e = make_event("service_crashed",
                         JsonObject()
                             .add("service_name", "web\"app\n")
                             .add("group_name", "web")
                             .add("from_state", "RUNNING")
                             .add("pid", 12)
                             .add("expected", false)
                             .add("fatal", false)
                             .finish(),
                         Source{"supervisord", "", "", 7});
    e.capture_session_id = "cap-1";
    std::string line = encode_event(e);
    EventDecoder d;
    Event back;
    DecodeError err;
    REQUIRE(d.decode(line, back, err));
    CHECK(encode_event(back) == line);
    std::string spaced =
        " { \"type\" : \"service_crashed\" , \"source\":{\"kind\":\"x\"},\n \"data\" : "
        "{ \"service_name\":\"a\",\"group_name\":\"a\",\"from_state\":\"RUNNING\","
        "\"expected\":false,\"fatal\":true,\"pid\":null } }\n";
    REQUIRE(d.decode(spaced, back, err));
    CHECK(
        back.data ==
        R"({"service_name":"a","group_name":"a","from_state":"RUNNING","expected":false,"fatal":true,"pid":null})");
}

TEST_CASE("errors name the field") {
    CHECK(decode_error("").message == "empty input: expected a JSON object");
    CHECK(decode_error("[1]").message == "event must be a JSON object");
    CHECK(decode_error("{\"type\":\"x\"").field.empty());
    CHECK(decode_error(R"({"data":{}})").field == "type");
    CHECK(decode_error(R"({"type":5})").message == "field 'type' must be a string");
    CHECK(decode_error(R"({"type":"nope","source":{"kind":"k"},"data":{}})").message ==
          "unknown event type 'nope'");
    auto e = decode_error(R"({"type":"system_oom_kill","source":{"kind":"k"},"data":{"pid":"1"}})");
    CHECK(e.field == "data.pid");
    CHECK(e.message == "field 'data.pid' must be an integer");
    e = decode_error(
        R"({"type":"system_oom_kill","source":{"kind":"k"},"data":{"pid":1,"process_name":"x"}})");
    CHECK(e.field == "data.message");
    CHECK(e.message == "missing required field 'data.message'");
    e = decode_error(R"({"type":"system_oom_kill","source":{"kind":"k"}})");
    CHECK(e.field == "data");
    e = decode_error(
        R"({"type":"system_oom_kill","data":{"pid":1,"process_name":"x","message":"m"}})");
    CHECK(e.field == "source");
    e = decode_error(
        R"({"type":"cdp_disconnect","source":{"kind":"k"},"data":{"reason":"bored"}})");
    CHECK(e.field == "data.reason");
    e = decode_error(R"({"type":"system_oom_kill","source":{"kind":"k"},"bogus":1,"data":{}})");
    CHECK(e.message == "unknown field 'bogus'");
    e = decode_error(R"({"type":"system_oom_kill","ts":"noon","source":{"kind":"k"},"data":{}})");
    CHECK(e.field == "ts");
    e = decode_error(
        R"({"type":"system_oom_kill","category":"cdp","source":{"kind":"k"},"data":{}})");
    CHECK(e.field == "category");
    e = decode_error(R"({"type":"memory_pressure","source":{"kind":"k"},"data":{"reasons":[1]}})");
    CHECK(e.field == "data.reasons");
    e = decode_error(
        R"({"type":"service_crashed","source":{"kind":"k"},"data":{"pid":1,"pid":2}})");
    CHECK(e.message == "duplicate field 'data.pid'");
    e = decode_error(
        R"({"type":"service_crashed","source":{"kind":"k"},"data":{"service_name":null}})");
    CHECK(e.message == "field 'data.service_name' must not be null");
}

TEST_CASE("trailing content and invalid UTF-8 are rejected") {
    std::string ok =
        R"({"type":"events_dropped","source":{"kind":"k"},"data":{"count":1,"reason":"expired"}})";
    EventDecoder d;
    Event e;
    DecodeError err;
    REQUIRE(d.decode(ok + "  \n", e, err));
    CHECK(decode_error(ok + " {}").message == "trailing content after the event object");
    CHECK_FALSE(decode_error(ok + " 5").message.empty());
    CHECK(decode_error(ok + "]").message.starts_with("invalid JSON"));
    std::string bad = "{\"type\":\"system_oom_kill\",\"source\":{\"kind\":\"\xff\"},\"data\":{}}";
    CHECK(decode_error(bad).message == "invalid UTF-8 in input");
    auto esc = decode_error(R"({"type":"system_oom_kill","source":{"kind":"\q"},"data":{}})");
    CHECK(esc.field == "source.kind");
    CHECK(esc.message.starts_with("invalid JSON"));
}
