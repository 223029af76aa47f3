// Which events are crashes, and the exact service_crashed data they become.
#include "catch.hpp"
#include "event_mapping.hpp"
#include "faultline/event.hpp"
#include "faultline/event_decode.hpp"

using namespace faultline;
using namespace faultline::shim;

TEST_CASE("an unexpected exit is a crash with its pid") {
    Mapping m = map_event("PROCESS_STATE_EXITED",
                          "processname:web groupname:www from_state:RUNNING expected:0 pid:2766");
    REQUIRE(m.kind == Mapping::Kind::crash);
    CHECK(m.crash.service_name == "web");
    CHECK(m.crash.group_name == "www");
    CHECK(m.crash.from_state == "RUNNING");
    CHECK(m.crash.pid == 2766);
    CHECK_FALSE(m.crash.fatal);
    CHECK(crash_data_json(m.crash) ==
          R"({"service_name":"web","group_name":"www","from_state":"RUNNING","pid":2766,)"
          R"("expected":false,"fatal":false})");
}

TEST_CASE("FATAL is a fatal crash without a pid") {
    Mapping m = map_event("PROCESS_STATE_FATAL", "processname:db groupname:db from_state:BACKOFF");
    REQUIRE(m.kind == Mapping::Kind::crash);
    CHECK(m.crash.fatal);
    CHECK_FALSE(m.crash.pid);
    CHECK(crash_data_json(m.crash) ==
          R"({"service_name":"db","group_name":"db","from_state":"BACKOFF",)"
          R"("expected":false,"fatal":true})");
}

TEST_CASE("expected exits and other events are skipped") {
    CHECK(map_event("PROCESS_STATE_EXITED",
                    "processname:a groupname:a from_state:RUNNING expected:1 pid:9")
              .kind == Mapping::Kind::skip);
    for (auto name : {"PROCESS_STATE_STOPPED", "PROCESS_STATE_BACKOFF", "TICK_5",
                      "PROCESS_STATE_RUNNING", "SUPERVISOR_STATE_CHANGE_RUNNING", ""})
        CHECK(
            map_event(name, "processname:a groupname:a from_state:RUNNING expected:0 pid:9").kind ==
            Mapping::Kind::skip);
}

TEST_CASE("token order does not matter and data after the first newline is ignored") {
    Mapping m = map_event("PROCESS_STATE_EXITED",
                          "pid:7 expected:0 from_state:STARTING groupname:g processname:p\n"
                          "processname:other");
    REQUIRE(m.kind == Mapping::Kind::crash);
    CHECK(m.crash.service_name == "p");
    CHECK(m.crash.from_state == "STARTING");
    CHECK(m.crash.pid == 7);
}

TEST_CASE("malformed payloads are reported, never guessed") {
    const std::vector<std::pair<std::string, std::string>> bad = {
        {"groupname:g from_state:RUNNING expected:0 pid:1", "no processname"},
        {"processname:p from_state:RUNNING expected:0 pid:1", "no groupname"},
        {"processname:p groupname:g expected:0 pid:1", "no from_state"},
        {"processname: groupname:g from_state:RUNNING expected:0 pid:1", "no processname"},
        {"processname:p groupname:g from_state:RUNNING pid:1", "expected is not 0 or 1"},
        {"processname:p groupname:g from_state:RUNNING expected:yes pid:1", "expected"},
        {"processname:p groupname:g from_state:RUNNING expected:0", "pid"},
        {"processname:p groupname:g from_state:RUNNING expected:0 pid:-1", "pid"},
        {"processname:p groupname:g from_state:RUNNING expected:0 pid:9223372036854775808", "pid"},
        {"processname:p groupname:g junk", "not key:value"},
        {"", "no processname"},
    };
    for (const auto& [payload, why] : bad) {
        INFO(payload);
        Mapping m = map_event("PROCESS_STATE_EXITED", payload);
        CHECK(m.kind == Mapping::Kind::malformed);
        CHECK(m.reason.find(why) != std::string::npos);
    }
    CHECK(map_event("PROCESS_STATE_FATAL", "processname:p groupname:g").kind ==
          Mapping::Kind::malformed);
}

TEST_CASE("the data is a valid service_crashed event for the hub, names escaped") {
    Mapping m = map_event("PROCESS_STATE_EXITED",
                          "processname:we\"ird\\name groupname:caf\xc3\xa9 from_state:RUNNING "
                          "expected:0 pid:1");
    REQUIRE(m.kind == Mapping::Kind::crash);
    Event e = make_event("service_crashed", crash_data_json(m.crash),
                         Source{"supervisord", "vm", "supervisor", std::nullopt});
    e.id = "supervisord-shim-x:1";
    EventDecoder d;
    Event back;
    DecodeError err;
    REQUIRE(d.decode(encode_event(e), back, err));
    CHECK(back.category == "system");
    CHECK(back.data.find(R"("service_name":"we\"ird\\name")") != std::string::npos);
    CHECK(back.data.find("caf\xc3\xa9") != std::string::npos);
}
