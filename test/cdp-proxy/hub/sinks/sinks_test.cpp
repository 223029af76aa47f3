// Unit tests of the sink framework's parts: the cursor file, the hub's instance id, the
// journal's durable seq that sinks read up to, sink flag parsing, and the NATS names
// (subjects, wildcard matching, server lists), and a sink logging through the hub's logger.
#include <filesystem>
#include <fstream>

#include "../test_support.hpp"
#include "catch.hpp"
#include "hub/sinks/cursor_file.hpp"
#include "hub/sinks/flags.hpp"
#include "hub/sinks/nats/subject.hpp"
#include "hub/sinks/s2/flags.hpp"
#include "hub/sinks/sink_status.hpp"
#include "hub/store/instance_id.hpp"
#include "hub/store/journal.hpp"

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

TEST_CASE("the instance id is created once and stays the same") {
    const std::string dir = hubtest::temp_dir();
    std::string a, b, error;
    REQUIRE(load_instance_id(dir, a, error));
    REQUIRE(load_instance_id(dir, b, error));
    CHECK(valid_instance_id(a));
    CHECK(a == b);
    CHECK(new_instance_id() != new_instance_id());
    std::ofstream(dir + "/instance-id") << "not-an-id\n";
    CHECK_FALSE(load_instance_id(dir, a, error));
    CHECK(error.find("does not hold an instance id") != std::string::npos);
}

TEST_CASE("the journal's durable seq follows fdatasync, and a hub exposes it") {
    JournalOptions jo;
    jo.dir = hubtest::temp_dir();
    jo.commit_interval = std::chrono::milliseconds(20);
    Journal j(jo);
    JournalRecovery rec;
    std::string error;
    REQUIRE(j.open(10, rec, error));
    CHECK(j.durable_seq() == 0);
    auto record = [](uint64_t seq) {
        return std::make_shared<const Record>(
            Record{seq, "x", "system", R"({"seq":)" + std::to_string(seq) + R"(,"type":"x"})"});
    };
    REQUIRE(j.append(record(rec.next_seq)));
    REQUIRE(j.append(record(rec.next_seq + 1)));
    REQUIRE(j.wait_durable(rec.next_seq, std::chrono::seconds(5)));
    CHECK(j.durable_seq() == rec.next_seq + 1);
    CHECK_FALSE(j.wait_durable(rec.next_seq + 1, std::chrono::milliseconds(60)));  // nothing newer
    j.close();

    HubOptions o;
    o.data_dir = hubtest::temp_dir();
    o.journal_commit_ms = 10;
    hubtest::TestHub h(o);
    const uint64_t seq = h.hub.publish(hubtest::cdp_event(1));
    REQUIRE(h.hub.wait_durable(seq - 1, std::chrono::seconds(5)));
    CHECK(h.hub.durable_seq() == seq);
    CHECK(valid_instance_id(h.hub.instance_id()));
    Metrics m;
    auto reader = h.hub.open_reader(0, m);
    std::vector<StreamItem> items;
    reader->next(10, items);
    REQUIRE(items.size() == 1);
    CHECK(items[0].id == seq);
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

TEST_CASE("NATS subjects: tokens, wildcards, prefixes") {
    using namespace faultline::hub::sinks::nats;
    CHECK(event_subject("faultline", "vm-1", "system", "service_crashed") ==
          "faultline.vm-1.system.service_crashed");
    CHECK(subject_token("vm-1.example.com") == "vm-1_example_com");
    CHECK(subject_token("a b*c>d\te") == "a_b_c_d_e");
    CHECK(subject_token("") == "_");
    CHECK(subject_matches("faultline.>", "faultline.vm.system.x"));
    CHECK(subject_matches("faultline.*.system.*", "faultline.vm.system.x"));
    CHECK(subject_matches("faultline.vm.system.x", "faultline.vm.system.x"));
    CHECK_FALSE(subject_matches("faultline.>", "faultline"));
    CHECK_FALSE(subject_matches("faultline.*", "faultline.vm.system"));
    CHECK_FALSE(subject_matches("other.>", "faultline.vm.system.x"));
    CHECK_FALSE(subject_matches("faultline.*.cdp.>", "faultline.vm.system.x"));
    std::string error;
    CHECK(valid_subject_prefix("fleet.faultline", error));
    for (const char* bad : {"", "a..b", "a.*", "a.>", "a b", ".a", "a."})
        CHECK_FALSE(valid_subject_prefix(bad, error));
}

TEST_CASE("NATS server lists") {
    using namespace faultline::hub::sinks::nats;
    std::vector<std::string> urls;
    std::string error;
    REQUIRE(
        parse_server_list("nats://a:4222, tls://b:4223,c,[::1]:4224,nats://u:p@d:1", urls, error));
    CHECK(urls == std::vector<std::string>{"nats://a:4222", "tls://b:4223", "c", "[::1]:4224",
                                           "nats://u:p@d:1"});
    for (const char* bad : {"", "nats://", "http://a:1", "nats://a:0", "nats://a:65536",
                            "nats://a:x", "a,,b", "nats://a b:1", "nats://[::1", "nats://a/x"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_server_list(bad, urls, error));
    }
    CHECK_FALSE(parse_server_list("http://a:1", urls, error));
    CHECK(error == "'http://a:1': the scheme must be nats:// or tls://");
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
