// The event log without any server: publish and ingest (seq, dedup, the durable wait), the
// capture session's events from their one place, the OOM link on recorded events, and the
// health snapshot; the drain of queueing producers before a capture changes.
#include "hub/event_log.hpp"

#include <filesystem>
#include <random>

#include "catch.hpp"
#include "faultline/event_decode.hpp"

using faultline::Event;
using faultline::Source;
using namespace faultline::hub;

namespace {

Source test_source() {
    return Source{"test", "", "", std::nullopt};
}

Event crash_event(const std::string& id) {
    Event e = faultline::make_event("service_crashed",
                                    R"({"service_name":"svc","group_name":"svc",)"
                                    R"("from_state":"RUNNING","pid":7,"expected":false,)"
                                    R"("fatal":false})",
                                    test_source());
    e.id = id;
    return e;
}

Event console_event() {
    return faultline::make_event(
        "console_log", R"({"target_id":"T","nav_seq":1,"level":"log","text":"hi","args":["hi"]})",
        test_source());
}

std::string temp_dir() {
    std::random_device rd;
    auto p =
        std::filesystem::temp_directory_path() / ("faultline-eventlog-" + std::to_string(rd()));
    std::filesystem::create_directories(p);
    return p.string();
}

// Every event the log holds after seq after, decoded.
std::vector<Event> read_all(const EventLog& log, Metrics& m, uint64_t after = 0) {
    auto reader = log.open_reader(StreamFilter{}, after, m);
    std::vector<StreamItem> items;
    while (reader->next(1000, items)) {
    }
    std::vector<Event> out;
    faultline::EventDecoder d;
    for (const auto& it : items) {
        if (it.kind != StreamItem::Kind::event) continue;
        Event e;
        faultline::DecodeError err;
        REQUIRE(d.decode(it.json, e, err));
        out.push_back(std::move(e));
    }
    return out;
}

struct Fixture {
    explicit Fixture(EventLogOptions o = {}) : log(std::move(o), hub_source(), metrics) {
        std::string error;
        if (!log.open(error)) throw std::runtime_error(error);
    }
    static Source hub_source() { return Source{"hub", "vm-1", "cdp-proxy", std::nullopt}; }
    Metrics metrics;
    EventLog log;
};

}  // namespace

TEST_CASE("publish assigns increasing seqs and refuses duplicate ids") {
    Fixture f;
    CHECK(f.log.publish(crash_event("a")) == 1);
    CHECK(f.log.publish(crash_event("b")) == 2);
    CHECK(f.log.publish(crash_event("a")) == 0);  // duplicate id: not recorded again
    Event unknown = crash_event("c");
    unknown.type = "no_such_type";
    CHECK(f.log.publish(unknown) == 0);
    CHECK(f.log.last_seq() == 2);
    const auto events = read_all(f.log, f.metrics);
    REQUIRE(events.size() == 2);
    CHECK(events[0].id == "a");
    CHECK(events[1].seq == 2);
    CHECK(events[1].category == "system");  // filled from the schema
}

TEST_CASE("ingest records a batch, counts duplicates, and a closed log refuses") {
    Fixture f;
    std::vector<Event> batch{crash_event("x"), crash_event("y")};
    IngestResult r = f.log.ingest(batch);
    CHECK(r.refused.empty());
    CHECK(r.accepted == 2);
    CHECK(r.recorded == 2);
    CHECK(r.first_seq == 1);
    std::vector<Event> again{crash_event("y"), crash_event("z")};
    r = f.log.ingest(again);
    CHECK(r.duplicates == 1);
    CHECK(r.recorded == 1);
    CHECK(r.first_seq == 3);
    CHECK(r.wait_seq == 3);
    f.log.close();
    std::vector<Event> late{crash_event("w")};
    r = f.log.ingest(late);
    CHECK(r.refused == "the hub is shutting down");
    CHECK(f.log.publish(crash_event("v")) == 0);
}

TEST_CASE("with a journal, ingest returns only once the batch is durable") {
    const std::string dir = temp_dir();
    {
        EventLogOptions o;
        o.data_dir = dir;
        o.seq_block = 64;
        Fixture f(o);
        std::vector<Event> batch{crash_event("d1"), crash_event("d2"), crash_event("d3")};
        const IngestResult r = f.log.ingest(batch);
        REQUIRE(r.refused.empty());
        CHECK(r.wait_seq == 3);
        CHECK(f.log.durable_seq() >= 3);  // an acknowledgement means stored
        const HealthSnapshot h = f.log.health();
        CHECK(h.journal_enabled);
        CHECK(h.journal_writable);
        CHECK(h.journal_accepting);
        CHECK(h.last_seq == 3);
        f.log.close();
    }
    {  // a new log on the same dir continues after them and still knows their ids
        EventLogOptions o;
        o.data_dir = dir;
        o.seq_block = 64;
        Fixture f(o);
        CHECK(f.log.publish(crash_event("d2")) == 0);
        CHECK(f.log.publish(crash_event("d4")) > 3);
        CHECK(read_all(f.log, f.metrics).size() == 4);
        f.log.close();
    }
    std::filesystem::remove_all(dir);
}

TEST_CASE("a capture session emits its start and end events, and only it records content") {
    Fixture f;
    CHECK(f.log.publish(console_event()) == 0);  // no session: console is not recorded
    CaptureSession s;
    uint64_t start_seq = 0;
    std::string active;
    REQUIRE(f.log.start_capture({"console"}, s, start_seq, active));
    CHECK(start_seq == 1);
    CaptureSession other;
    uint64_t other_seq = 0;
    CHECK_FALSE(f.log.start_capture({"page"}, other, other_seq, active));
    CHECK(active == s.id);  // the refusal names the active session
    const uint64_t c = f.log.publish(console_event());
    CHECK(c == 2);
    CHECK(f.log.health().capture_active);
    const auto ended = f.log.end_capture();
    REQUIRE(ended);
    CHECK(ended->id == s.id);
    CHECK(ended->events_captured == 1);
    CHECK(ended->seq == 3);
    CHECK_FALSE(f.log.end_capture());
    CHECK_FALSE(f.log.capture());

    const auto events = read_all(f.log, f.metrics);
    REQUIRE(events.size() == 3);
    CHECK(events[0].type == "capture_session_started");
    CHECK(events[0].source.kind == "hub");
    CHECK(events[0].capture_session_id == s.id);
    CHECK(events[1].type == "console_log");
    CHECK(events[1].capture_session_id == s.id);
    CHECK(events[2].type == "session_ended");
    CHECK(events[2].data.find("\"events_captured\":1") != std::string::npos);
}

TEST_CASE("configure_capture starts, updates and ends a session, each change once") {
    Fixture f;
    using Cats = std::optional<std::vector<std::string>>;
    CaptureView v;
    CHECK(f.log.configure_capture(
              true, [](const CaptureSession*) { return Cats{{"page"}}; }, std::nullopt, v) ==
          CaptureChange::not_active);
    CHECK(f.log.last_seq() == 0);
    std::vector<std::string> told;
    f.log.watch_control([&](const std::vector<std::string>& m) { told = m; });
    CHECK(f.log.configure_capture(
              false, [](const CaptureSession*) { return Cats{{"page"}}; },
              std::vector<std::string>{"Runtime.evaluate"}, v) == CaptureChange::started);
    REQUIRE(v.session);
    CHECK(v.session->categories == std::vector<std::string>{"page"});
    CHECK(v.last_seq == 1);  // capture_session_started
    CHECK(told == std::vector<std::string>{"Runtime.evaluate"});
    CHECK(v.excluded_methods == told);
    const std::string id = v.session->id;
    CHECK(f.log.configure_capture(
              true,
              [](const CaptureSession* a) {
                  auto c = a->categories;
                  c.push_back("console");
                  return Cats{c};
              },
              std::nullopt, v) == CaptureChange::updated);
    CHECK(v.session->id == id);  // the same session, no new event
    CHECK(v.session->categories.size() == 2);
    CHECK(v.last_seq == 1);
    CHECK(f.log.configure_capture(
              true, [](const CaptureSession*) { return Cats{}; }, std::nullopt, v) ==
          CaptureChange::none);
    CHECK(f.log.configure_capture(
              true, [](const CaptureSession*) { return Cats{std::vector<std::string>{}}; },
              std::nullopt, v) == CaptureChange::ended);
    CHECK_FALSE(v.session);
    CHECK(v.last_seq == 2);  // session_ended
    const auto events = read_all(f.log, f.metrics);
    REQUIRE(events.size() == 2);
    CHECK(events[0].type == "capture_session_started");
    CHECK(events[1].type == "session_ended");
}

TEST_CASE("a recorded page_crashed names the recorded OOM kill of its renderer") {
    Fixture f;
    Event kill = faultline::make_event(
        "system_oom_kill",
        R"({"pid":4242,"process_name":"chromium","anon_rss_kb":2048,"message":"m"})",
        test_source());
    const uint64_t kill_seq = f.log.publish(kill);
    REQUIRE(kill_seq == 1);
    Event crash = faultline::make_event(
        "page_crashed", R"({"target_id":"T","status":"killed","renderer_pid":4242})",
        test_source());
    REQUIRE(f.log.publish(crash) == 2);
    const auto events = read_all(f.log, f.metrics);
    REQUIRE(events.size() == 2);
    CHECK(events[1].data.find("\"oom_kill_seq\":1") != std::string::npos);
    CHECK(events[1].data.find("\"oom_link\":\"pid\"") != std::string::npos);
    CHECK(events[1].data.find("\"target_id\":\"T\"") != std::string::npos);
}

TEST_CASE("an outbox_full report from a producer is counted as dropped") {
    Fixture f;
    Event drop = faultline::make_event(
        "events_dropped", R"({"count":5,"from_seq":0,"reason":"outbox_full"})", test_source());
    std::vector<Event> batch{drop};
    const IngestResult r = f.log.ingest(batch);
    CHECK(r.recorded == 1);
    MetricsSnapshot s;
    const std::string text = f.metrics.render(s);
    CHECK(text.find("reason=\"outbox_full\"} 5") != std::string::npos);
}

TEST_CASE("a producer's held events are drained before every capture change, inside it") {
    Fixture f;
    std::vector<Event> held;  // what a queueing producer (the proxy's relay) has not published
    int drains = 0;
    f.log.before_capture_change([&] {
        ++drains;
        for (auto& e : held) f.log.publish(std::move(e));  // publishing from the drain is allowed
        held.clear();
    });
    held.push_back(console_event());  // observed before any capture: not recorded
    CaptureSession s;
    uint64_t start_seq = 0;
    std::string active;
    REQUIRE(f.log.start_capture({"console"}, s, start_seq, active));
    CHECK(drains == 1);
    CHECK(start_seq == 1);
    held.push_back(console_event());  // observed inside the capture, still held at its end
    const auto ended = f.log.end_capture();
    REQUIRE(ended);
    CHECK(drains == 2);
    CHECK(ended->events_captured == 1);
    CHECK(ended->seq == 3);
    using Cats = std::optional<std::vector<std::string>>;
    CaptureView v;
    f.log.configure_capture(
        false, [](const CaptureSession*) { return Cats{{"console"}}; }, std::nullopt, v);
    CHECK(drains == 3);
    f.log.before_capture_change({});
    f.log.end_capture();
    CHECK(drains == 3);
    const auto events = read_all(f.log, f.metrics);
    REQUIRE(events.size() >= 3);
    CHECK(events[1].type == "console_log");
    CHECK(events[1].capture_session_id == s.id);
    CHECK(events[2].type == "session_ended");
}
