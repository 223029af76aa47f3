// Unit tests of the sink framework's parts: the cursor file, sink flag parsing, sink metrics,
// and a sink logging through the hub's logger.
#include <filesystem>
#include <fstream>

#include "../test_support.hpp"
#include "catch.hpp"
#include "hub/sinks/cursor_file.hpp"
#include "hub/sinks/flags.hpp"
#include "hub/sinks/s2/flags.hpp"
#include "hub/sinks/sink_status.hpp"

using namespace faultline::hub;
using namespace faultline::hub::sinks;
namespace fs = std::filesystem;

TEST_CASE("parse_cursor takes a seq and a newline, nothing else") {
    CHECK(parse_cursor("0\n") == 0u);
    CHECK(parse_cursor("42\n") == 42u);
    CHECK(parse_cursor("18446744073709551615\n") == UINT64_MAX);
    for (const char* bad : {"", "\n", "42", "042\n", "-1\n", "4 2\n", "42\n\n",
                            "18446744073709551616\n", "x\n", "42\r\n"})
        CHECK_FALSE(parse_cursor(bad).has_value());
}

TEST_CASE("CursorFile stores atomically and loads back; a corrupt file is an error") {
    const std::string dir = hubtest::temp_dir() + "/sinks";
    CursorFile f(dir, "nats");
    uint64_t seq = 99;
    std::string error;
    REQUIRE(f.load(seq, error));  // no file yet
    CHECK(seq == 0);
    REQUIRE(f.store(1234, error));
    REQUIRE(f.store(5678, error));
    CHECK_FALSE(fs::exists(f.path() + ".tmp"));
    REQUIRE(f.load(seq, error));
    CHECK(seq == 5678);
    std::ofstream(f.path()) << "garbage";
    CHECK_FALSE(f.load(seq, error));
    CHECK(error.find("does not hold a cursor") != std::string::npos);
    CursorFile none("", "nats");  // no data dir: nothing persisted
    REQUIRE(none.store(7, error));
    REQUIRE(none.load(seq, error));
    CHECK(seq == 0);
}

TEST_CASE("sink flags become options; unknown names are errors naming the flag") {
    SinkFlagValues v;
    v.categories = "system,cdp";
    v.types = "service_crashed";
    SinkOptions o;
    std::string error;
    REQUIRE(sink_options(v, "nats", o, error));
    CHECK(o.filter.matches("service_crashed", "system"));
    CHECK_FALSE(o.filter.matches("memory_pressure", "system"));
    v.categories = "system,nope";
    CHECK_FALSE(sink_options(v, "nats", o, error));
    CHECK(error.find("--nats-categories") != std::string::npos);
    CHECK(error.find("'nope'") != std::string::npos);
    v = {};
    v.max_in_flight = 0;
    CHECK_FALSE(sink_options(v, "nats", o, error));
}

TEST_CASE("sink metrics and unhealthy sinks render") {
    SinkStatus s;
    s.name = "nats";
    s.exported = 5;
    s.failures[static_cast<size_t>(Cause::auth)] = 2;
    s.lag_events = 3;
    const std::string text = render_sink_metrics({s});
    CHECK(text.find("faultline_sink_events_exported_total{sink=\"nats\"} 5\n") !=
          std::string::npos);
    CHECK(text.find("faultline_sink_failures_total{sink=\"nats\",cause=\"auth\"} 2\n") !=
          std::string::npos);
    CHECK(text.find("faultline_sink_lag_events{sink=\"nats\"} 3\n") != std::string::npos);
    CHECK(render_sink_metrics({}).empty());
    CHECK(render_unhealthy_sinks({s}) == "[]");
    s.unhealthy = true;
    s.failing_seconds = 61.5;
    s.last_error = "auth: no";
    CHECK(render_unhealthy_sinks({s}) ==
          R"([{"sink":"nats","failing_seconds":61,"lag_events":3,"error":"auth: no"}])");
}

TEST_CASE("a sink logs through the hub's injected logger, prefixed with its name") {
    // A bound socket that never answers: the S2 sink's first request times out and it says so.
    httplib::Server silent;
    const int port = silent.bind_to_any_port("127.0.0.1");
    hubtest::RecordingLog log;
    HubOptions ho;
    ho.listen = "127.0.0.1:0";
    ho.data_dir = hubtest::temp_dir();
    ho.log = log.fn();
    Hub hub(ho);
    s2::S2FlagValues v;
    v.basin = "faultline-test";
    v.stream = "events";
    v.endpoint = "http://127.0.0.1:" + std::to_string(port);
    v.timeout_ms = 200;
    std::string error;
    REQUIRE(s2::add_s2_sink(hub, v, error));
    REQUIRE(hub.start(error));
    CHECK(log.wait_for("sink s2: ", std::chrono::seconds(10)));
    hub.stop();
    std::lock_guard lock(log.mu);
    for (const auto& l : log.lines)
        if (l.find("s2") != std::string::npos) CHECK(l.rfind("sink s2: ", 0) == 0);
}
