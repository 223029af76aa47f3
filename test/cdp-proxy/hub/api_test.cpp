// The hub over real HTTP: ingest and its errors, dedup, SSE resume and filters, a stalled
// reader, the subscriber cap, capture sessions, pages, metrics, a journal that cannot write.
#include <sys/resource.h>

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <fstream>

#include "catch.hpp"
#include "hub/schema_check.hpp"
#include "hub/store/seq_reserve.hpp"
#include "test_support.hpp"

using namespace hubtest;
using faultline::hub::HubOptions;

namespace {
HubOptions quick(HubOptions o = {}) {
    o.data_dir = "";
    o.heartbeat_seconds = 0.2;
    return o;
}
const char* kNdjson = "application/x-ndjson";

std::vector<std::string> types_of(const std::vector<faultline::SseEvent>& ev) {
    std::vector<std::string> out;
    for (const auto& e : ev) out.push_back(e.event);
    return out;
}
}  // namespace

TEST_CASE("ingest stores a valid batch and answers with counts") {
    TestHub h(quick());
    auto cli = h.client();
    auto res =
        cli.Post("/telemetry/events", crash_json("p:1") + "\n" + crash_json("p:2") + "\n", kNdjson);
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->body == R"({"accepted":2,"duplicates":0,"first_seq":1,"recorded":2})");
    CHECK(h.hub.last_seq() == 2);
}

TEST_CASE("a retried batch is stored once") {
    TestHub h(quick());
    auto cli = h.client();
    std::string batch = crash_json("r:1") + "\n" + crash_json("r:2") + "\n";
    REQUIRE(cli.Post("/telemetry/events", batch, kNdjson)->status == 200);
    auto again = cli.Post("/telemetry/events", batch + crash_json("r:3"), kNdjson);
    CHECK(again->body == R"({"accepted":1,"duplicates":2,"first_seq":3,"recorded":1})");
    CHECK(h.hub.last_seq() == 3);
}

TEST_CASE("a bad line rejects the whole request with line and field, storing nothing") {
    TestHub h(quick());
    auto cli = h.client();
    std::string bad =
        R"({"type":"service_crashed","source":{"kind":"t"},"data":{"service_name":1}})";
    auto res = cli.Post("/telemetry/events", crash_json("b:1") + "\n" + bad + "\n", kNdjson);
    CHECK(res->status == 400);
    CHECK(res->body.find(R"("line":2)") != std::string::npos);
    CHECK(res->body.find(R"("field":"data.service_name")") != std::string::npos);
    CHECK(h.hub.last_seq() == 0);

    auto junk = cli.Post("/telemetry/events", "{not json", "application/json");
    CHECK(junk->status == 400);
    CHECK(junk->body.find("\"error\":") != std::string::npos);
    // The id of the rejected request was not remembered: sending it again is stored.
    CHECK(cli.Post("/telemetry/events", crash_json("b:1"), kNdjson)->status == 200);
    CHECK(h.hub.last_seq() == 1);
}

TEST_CASE("reserved types are refused, a producer's outbox_full report is accepted") {
    TestHub h(quick());
    auto cli = h.client();
    auto res = cli.Post("/telemetry/events",
                        R"({"type":"session_ended","source":{"kind":"t"},"data":)"
                        R"({"capture_session_id":"x","duration_ms":1,"events_captured":0}})",
                        "application/json");
    CHECK(res->status == 403);
    CHECK(res->body.find("session_ended") != std::string::npos);
    auto dropped = cli.Post("/telemetry/events",
                            R"({"type":"events_dropped","source":{"kind":"t"},"id":"d:1",)"
                            R"("data":{"count":5,"reason":"outbox_full"}})",
                            "application/json");
    CHECK(dropped->status == 200);
    CHECK(cli.Get("/metrics")->body.find(R"(reason="outbox_full"} 5)") != std::string::npos);
}

TEST_CASE("bodies past the limit get 413 with a JSON error") {
    HubOptions o = quick();
    o.max_body = 1024;
    TestHub h(o);
    auto res = h.client().Post("/telemetry/events", std::string(4096, ' '), kNdjson);
    REQUIRE(res);
    CHECK(res->status == 413);
    CHECK(res->body.find("--max-body") != std::string::npos);
}

TEST_CASE("the stream has the exact headers, a retry, and resumes by Last-Event-ID or since") {
    TestHub h(quick());
    auto cli = h.client();
    for (int i = 1; i <= 5; ++i)
        cli.Post("/telemetry/events", crash_json("s:" + std::to_string(i)), kNdjson);
    SseCollector by_header(h.hub.port(), "/telemetry/stream", {{"Last-Event-ID", "2"}});
    SseCollector by_query(h.hub.port(), "/telemetry/stream?since=4");
    REQUIRE(by_header.wait([](auto& e) { return e.size() == 3; }));
    REQUIRE(by_query.wait([](auto& e) { return e.size() == 1; }));
    CHECK(by_header.events()[0].id == "3");
    CHECK(by_header.events()[2].id == "5");
    CHECK(by_query.events()[0].id == "5");
    CHECK(by_query.events()[0].event == "service_crashed");
    auto hdr = by_header.headers();
    CHECK(hdr.find("Content-Type")->second == "text/event-stream");
    CHECK(hdr.find("Cache-Control")->second == "no-cache");
    CHECK(hdr.find("X-Accel-Buffering")->second == "no");
    CHECK(by_header.raw().rfind("retry: ", 0) == 0);
    // Live: a new event reaches both.
    cli.Post("/telemetry/events", crash_json("s:6"), kNdjson);
    CHECK(by_header.wait([](auto& e) { return e.size() == 4; }));
    CHECK(by_query.wait([](auto& e) { return e.size() == 2; }));
    CHECK(by_query.wait([](auto&) { return true; }));
}

TEST_CASE("filters by category and type") {
    TestHub h(quick());
    SseCollector cdp_only(h.hub.port(), "/telemetry/stream?since=0&categories=cdp");
    SseCollector crashes(h.hub.port(), "/telemetry/stream?since=0&types=service_crashed");
    h.client().Post("/telemetry/events", crash_json("f:1"), kNdjson);
    h.hub.publish(cdp_event(1));
    h.client().Post("/telemetry/events", crash_json("f:2"), kNdjson);
    REQUIRE(crashes.wait([](auto& e) { return e.size() == 2; }));
    REQUIRE(cdp_only.wait([](auto& e) { return e.size() == 1; }));
    CHECK(cdp_only.events()[0].event == "cdp_connect");
    CHECK(types_of(crashes.events()) ==
          std::vector<std::string>{"service_crashed", "service_crashed"});
    auto bad = h.client().Get("/telemetry/stream?categories=nope");
    CHECK(bad->status == 400);
    CHECK(bad->body.find("categories") != std::string::npos);
}

TEST_CASE("a reader stalled while 100,000 events are published is told the exact count") {
    HubOptions o = quick();
    o.write_timeout_seconds = 120;  // stalled, not gone
    TestHub h(o);
    SseCollector reader(h.hub.port(), "/telemetry/stream?since=0");
    h.hub.publish(cdp_event(0));
    REQUIRE(reader.wait([](auto& e) { return e.size() == 1; }));
    reader.hold = true;
    const uint64_t n = 100000;
    for (uint64_t i = 1; i <= n; ++i) h.hub.publish(cdp_event(static_cast<int>(i)));
    reader.hold = false;
    REQUIRE(reader.wait([&](auto& e) { return !e.empty() && e.back().id == std::to_string(n + 1); },
                        std::chrono::seconds(60)));
    uint64_t delivered = 0, dropped = 0, notices = 0;
    uint64_t prev = 1;
    for (const auto& e : reader.events()) {
        if (e.event == "events_dropped") {
            ++notices;
            auto at = e.data.find("\"count\":");
            dropped += std::stoull(e.data.substr(at + 8));
            CHECK(e.data.find("reader_behind") != std::string::npos);
            CHECK(faultline::hub::schema_violation(e.data).empty());  // a reader's own event
        } else if (e.id != "1") {
            ++delivered;
            CHECK(std::stoull(e.id) > prev);
        }
        prev = std::stoull(e.id);
    }
    CHECK(notices >= 1);
    CHECK(delivered + dropped == n);
    CHECK(dropped > 0);
}

TEST_CASE("readers past the cap get 503 with Retry-After") {
    HubOptions o = quick();
    o.max_subscribers = 2;
    TestHub h(o);
    SseCollector a(h.hub.port(), "/telemetry/stream"), b(h.hub.port(), "/telemetry/stream");
    REQUIRE(a.wait([&](auto&) { return a.status() == 200; }));
    REQUIRE(b.wait([&](auto&) { return b.status() == 200; }));
    auto third = h.client().Get("/telemetry/stream");
    REQUIRE(third);
    CHECK(third->status == 503);
    CHECK(third->has_header("Retry-After"));
    // Ingest still works with every stream slot taken.
    CHECK(h.client().Post("/telemetry/events", crash_json("c:1"), kNdjson)->status == 200);
}

TEST_CASE("capture sessions: start, 409 while active, tagged events, end") {
    TestHub h(quick());
    auto cli = h.client();
    auto start = cli.Post("/telemetry/capture", R"({"categories":["cdp"]})", "application/json");
    REQUIRE(start->status == 201);
    CHECK(cli.Post("/telemetry/capture", R"({"categories":["cdp"]})", "application/json")->status ==
          409);
    h.hub.publish(cdp_event(1));
    cli.Post("/telemetry/events", crash_json("cap:1"), kNdjson);
    auto end = cli.Delete("/telemetry/capture");
    REQUIRE(end->status == 200);
    CHECK(end->body.find(R"("events_captured":1)") != std::string::npos);
    CHECK(cli.Delete("/telemetry/capture")->status == 404);
    auto page = cli.Get("/telemetry/events?since=0")->body;
    CHECK(page.find(R"("type":"capture_session_started")") != std::string::npos);
    CHECK(page.find(R"("type":"session_ended")") != std::string::npos);
    // The cdp event carries the session id; the crash (system, not asked for) does not.
    auto cdp_at = page.find(R"("type":"cdp_connect")");
    auto crash_at = page.find(R"("type":"service_crashed")");
    CHECK(page.substr(cdp_at, 200).find(R"("capture_session_id":"cap-)") != std::string::npos);
    CHECK(page.substr(crash_at, 200).find(R"("capture_session_id":null)") != std::string::npos);
}

TEST_CASE("JSON pages follow since and limit") {
    TestHub h(quick());
    for (int i = 0; i < 10; ++i) h.hub.publish(cdp_event(i));
    auto page = h.client().Get("/telemetry/events?since=3&limit=4");
    REQUIRE(page->status == 200);
    CHECK(page->body.find(R"("seq":4,)") != std::string::npos);
    CHECK(page->body.find(R"("seq":7,)") != std::string::npos);
    CHECK(page->body.find(R"("seq":8,)") == std::string::npos);
    CHECK(page->body.find(R"("next_since":7)") != std::string::npos);
    CHECK(h.client().Get("/telemetry/events?since=-1")->status == 400);
}

TEST_CASE("resume from the journal once the ring no longer holds the events") {
    HubOptions o = quick();
    o.data_dir = temp_dir();
    o.ring_capacity = 16;
    TestHub h(o);
    for (int i = 0; i < 100; ++i) h.hub.publish(cdp_event(i));
    SseCollector reader(h.hub.port(), "/telemetry/stream?since=10");
    REQUIRE(reader.wait([](auto& e) { return e.size() >= 90; }));
    auto ev = reader.events();
    CHECK(ev.size() == 90);
    CHECK(ev.front().id == "11");
    CHECK(ev.back().id == "100");
    for (const auto& e : ev) CHECK(e.event == "cdp_connect");
    std::filesystem::remove_all(o.data_dir);
}

TEST_CASE("health and metrics") {
    TestHub h(quick());
    h.hub.publish(cdp_event(1));
    auto health = h.client().Get("/healthz");
    CHECK(health->status == 200);
    CHECK(health->body == R"({"status":"ok","last_seq":1,"cdp_unauthenticated":false})");
    auto m = h.client().Get("/metrics")->body;
    CHECK(m.find("faultline_cdp_unauthenticated 0\n") != std::string::npos);
    CHECK(m.find(R"(faultline_hub_events_ingested_total{type="cdp_connect"} 1)") !=
          std::string::npos);
    CHECK(m.find("faultline_hub_sse_subscribers") != std::string::npos);
    CHECK(m.find("faultline_hub_ring_events") != std::string::npos);
}

TEST_CASE("in-process events are held to the schema: a violation is counted and logged") {
    HubOptions o = quick();
    RecordingLog logged;
    o.log = logged.fn();
    TestHub h(o);
    auto disconnected = [](std::string_view reason) {
        return faultline::make_event("monitor_disconnected",
                                     faultline::JsonObject().add("reason", reason).finish(),
                                     faultline::Source{"cdp_monitor", "", "", std::nullopt});
    };
    auto violations = [&] {
        const std::string m = h.client().Get("/metrics")->body;
        const std::string key = "\nfaultline_hub_schema_violations_total ";
        const size_t at = m.find(key);
        REQUIRE(at != std::string::npos);
        return std::stoul(m.substr(at + key.size()));
    };
    // What the monitor sends when Chromium stops answering (the schema once refused it).
    h.hub.publish(disconnected("unresponsive"));
    h.hub.publish(cdp_event(1));
    CHECK(violations() == 0);
    // Not recorded (no capture asks for monitor events), still checked.
    h.hub.publish(disconnected("no_such_reason"));
    CHECK(violations() == 1);
    CHECK(logged.count("schema violation: in-process monitor_disconnected event") == 1);
    CHECK(logged.count("data.reason") == 1);
}

namespace {
// Caps the size of files this process writes (pwrite past it fails with EFBIG); restores the
// old limit when destroyed.
struct FileSizeLimit {
    rlimit old{};
    explicit FileSizeLimit(rlim_t bytes) {
        std::signal(SIGXFSZ, SIG_IGN);
        getrlimit(RLIMIT_FSIZE, &old);
        rlimit lim{bytes, old.rlim_max};
        setrlimit(RLIMIT_FSIZE, &lim);
    }
    ~FileSizeLimit() { setrlimit(RLIMIT_FSIZE, &old); }
};

uint64_t segment_bytes_in(const std::string& dir) {
    uint64_t n = 0;
    for (auto& e : std::filesystem::directory_iterator(dir))
        if (e.path().extension() == ".ndjson") n += e.file_size();
    return n;
}
}  // namespace

TEST_CASE("a journal that cannot write: 503 with the cause, readers still served, recovery") {
    HubOptions o = quick();
    o.data_dir = temp_dir();
    RecordingLog logged;
    o.log = logged.fn();
    TestHub h(o);
    auto cli = h.client();
    REQUIRE(cli.Post("/telemetry/events", crash_json("w:1"), kNdjson)->status == 200);
    SseCollector reader(h.hub.port(), "/telemetry/stream?since=0");
    REQUIRE(reader.wait([](auto& e) { return e.size() == 1; }));
    std::string failed_batch = crash_json("w:2") + "\n" + crash_json("w:3") + "\n";
    {
        FileSizeLimit limit(segment_bytes_in(o.data_dir) + 10);
        // Taken while writable, then the write fails: not acknowledged.
        auto res = cli.Post("/telemetry/events", failed_batch, kNdjson);
        REQUIRE(res);
        CHECK(res->status == 503);
        CHECK(res->get_header_value("Retry-After") == "1");
        CHECK(res->body.find("EFBIG") != std::string::npos);
        // Now refused up front; health says why; metrics count it.
        auto again = cli.Post("/telemetry/events", crash_json("w:4"), kNdjson);
        CHECK(again->status == 503);
        CHECK(again->body.find("cannot store events") != std::string::npos);
        auto health = cli.Get("/healthz");
        CHECK(health->status == 503);
        CHECK(health->body.find("EFBIG") != std::string::npos);
        auto m = cli.Get("/metrics")->body;
        CHECK(m.find("faultline_hub_journal_writable 0") != std::string::npos);
        CHECK(m.find(R"(faultline_hub_journal_errors_total{cause="EFBIG"} 0)") ==
              std::string::npos);
        // In-process events still reach stream readers at once.
        const uint64_t seq = h.hub.publish(cdp_event(1));
        CHECK(seq > 0);
        CHECK(reader.wait([&](auto& e) { return e.back().id == std::to_string(seq); }));
    }
    // The limit is gone: the writer retries by itself.
    bool ok = false;
    for (int i = 0; i < 300 && !ok; ++i) {
        ok = cli.Get("/healthz")->status == 200;
        if (!ok) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    CHECK(ok);
    CHECK(cli.Get("/metrics")->body.find("faultline_hub_journal_writable 1") != std::string::npos);
    // One log line per state change, however many attempts failed.
    CHECK(logged.count("cannot store events") == 1);
    CHECK(logged.count("writable again") == 1);
    // The producer retries the batch that got 503: it was stored meanwhile, so it is
    // acknowledged as duplicates, once, and w:4 (refused up front) is stored now.
    auto retry = cli.Post("/telemetry/events", failed_batch + crash_json("w:4"), kNdjson);
    REQUIRE(retry->status == 200);
    CHECK(retry->body.find(R"("accepted":1,"duplicates":2)") != std::string::npos);
    auto page = cli.Get("/telemetry/events?since=0")->body;
    for (const char* id : {"w:1", "w:2", "w:3", "w:4"}) {
        const std::string needle = std::string(R"("id":")") + id + "\"";
        const size_t at = page.find(needle);
        CHECK(at != std::string::npos);
        CHECK(page.find(needle, at + 1) == std::string::npos);
    }
    std::filesystem::remove_all(o.data_dir);
}

TEST_CASE("no seq is handed out before seq.reserve is durable; the hub recovers by itself") {
    HubOptions o = quick();
    o.data_dir = temp_dir();
    // seq.reserve points into a directory that does not exist: it cannot be created.
    const std::string missing = o.data_dir + "/missing";
    std::filesystem::create_symlink(missing + "/seq.reserve", o.data_dir + "/seq.reserve");
    TestHub h(o);
    auto cli = h.client();
    auto res = cli.Post("/telemetry/events", crash_json("r:1"), kNdjson);
    REQUIRE(res);
    CHECK(res->status == 503);
    CHECK(res->body.find("seq.reserve") != std::string::npos);
    CHECK(res->body.find("ENOENT") != std::string::npos);
    CHECK(h.hub.publish(cdp_event(1)) == 0);  // in-process: not recorded rather than unreserved
    CHECK(h.hub.last_seq() == 0);
    CHECK(cli.Get("/metrics")->body.find("faultline_hub_events_unsequenced_total 1") !=
          std::string::npos);
    CHECK(cli.Get("/healthz")->status == 503);
    std::filesystem::create_directories(missing);  // now it can be created
    bool ok = false;
    for (int i = 0; i < 300 && !ok; ++i) {
        ok = cli.Get("/healthz")->status == 200;
        if (!ok) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    REQUIRE(ok);
    auto stored = cli.Post("/telemetry/events", crash_json("r:1"), kNdjson);
    CHECK(stored->status == 200);
    CHECK(stored->body.find(R"("first_seq":1,)") != std::string::npos);
    CHECK(h.hub.publish(cdp_event(2)) == 2);
    CHECK(std::filesystem::file_size(missing + "/seq.reserve") ==
          faultline::hub::kReserveSlotStride + faultline::hub::kReserveSlotBytes);
    std::filesystem::remove_all(o.data_dir);
}

namespace {
// strace attached to this very process, failing every fdatasync with EIO until destroyed.
// Returns with attached() false when strace cannot trace here.
struct FailFdatasync {
    pid_t pid = -1;
    bool ok = false;
    FailFdatasync() {
        pid = fork();
        if (pid == 0) {
            const std::string self = std::to_string(getppid());
            execlp("strace", "strace", "-f", "-qq", "-p", self.c_str(), "-e", "trace=fdatasync",
                   "-e", "inject=fdatasync:error=EIO", "-o", "/dev/null", nullptr);
            _exit(127);
        }
        // Attached once every thread of ours has a tracer.
        for (int i = 0; i < 500 && !ok; ++i) {
            ok = true;
            for (auto& t : std::filesystem::directory_iterator("/proc/self/task")) {
                std::ifstream st(t.path() / "status");
                std::string line;
                while (std::getline(st, line))
                    if (line.rfind("TracerPid:", 0) == 0) ok &= std::stoi(line.substr(10)) != 0;
            }
            if (!ok) std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }
    ~FailFdatasync() {
        if (pid <= 0) return;
        kill(pid, SIGINT);
        waitpid(pid, nullptr, 0);
    }
};

uint64_t metric_value(const std::string& body, const std::string& name) {
    const size_t at = body.find("\n" + name + " ");
    REQUIRE(at != std::string::npos);
    return std::stoull(body.substr(at + name.size() + 2));
}
}  // namespace

TEST_CASE("seq.reserve cannot be renewed: in-process events are dropped, counted, named, logged") {
    if (system("strace -V >/dev/null 2>&1") != 0) {
        std::printf("SKIP: strace is not installed\n");
        std::exit(77);
    }
    HubOptions o = quick();
    o.data_dir = temp_dir();
    o.seq_block = 64;  // renewed every 32 seqs: the failure shows after a few dozen events
    RecordingLog logged;
    o.log = logged.fn();
    TestHub h(o);
    auto cli = h.client();
    SseCollector reader(h.hub.port(), "/telemetry/stream?since=0");
    uint64_t recorded = 0, dropped = 0;
    {
        FailFdatasync fail;
        if (!fail.ok) {
            std::printf("SKIP: strace cannot attach to this process (ptrace not permitted)\n");
            std::exit(77);
        }
        // A long EIO phase: every renewal fails, so the reserved block runs out.
        for (int i = 0; i < 200; ++i) {
            (h.hub.publish(cdp_event(i)) ? recorded : dropped)++;
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
        INFO("recorded " << recorded << ", dropped " << dropped);
        CHECK(recorded <= 64);  // never past the persisted mark
        REQUIRE(dropped > 0);
        CHECK(reader.wait([&](auto& e) { return e.size() == recorded; }));
        auto health = cli.Get("/healthz");
        REQUIRE(health);
        CHECK(health->status == 503);
        CHECK(health->body.find("EIO") != std::string::npos);
        CHECK(health->body.find(fmt::format(R"("events_unsequenced":{})", dropped)) !=
              std::string::npos);
        CHECK(metric_value(cli.Get("/metrics")->body, "faultline_hub_events_unsequenced_total") ==
              dropped);
        CHECK(logged.count("in-process events are dropped") == 1);
    }
    // strace is gone: the mark is renewed and events are recorded again, with a seq above it.
    uint64_t seq = 0;
    for (int i = 0; i < 300 && !seq; ++i) {
        seq = h.hub.publish(cdp_event(1000 + i));
        if (!seq) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    REQUIRE(seq == recorded + 1);  // nothing handed out meanwhile
    // The renewed mark is in place before the journal's commit marks itself writable again, so
    // /healthz may lag the first recorded event by a moment.
    bool healthy = false;
    for (int i = 0; i < 200 && !healthy; ++i) {
        healthy = cli.Get("/healthz")->status == 200;
        if (!healthy) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    CHECK(healthy);
    CHECK(logged.count("in-process events are recorded again") == 1);
    std::filesystem::remove_all(o.data_dir);
}

TEST_CASE(
    "a journal far behind: /healthz 503 journal_behind while in-process events are not "
    "journaled") {
    HubOptions o = quick();
    o.data_dir = temp_dir();
    o.journal_commit_ms = 1500;      // a slow disk: the queue waits this long per commit
    o.max_queued_bytes = 64 * 1024;  // in-process events past it are not journaled
    TestHub h(o);
    auto cli = h.client();
    REQUIRE(cli.Get("/healthz")->status == 200);
    for (int i = 0; i < 2000; ++i) REQUIRE(h.hub.publish(cdp_event(i)) > 0);
    const std::string m = cli.Get("/metrics")->body;
    CHECK(metric_value(m, "faultline_hub_journal_unjournaled_total") > 0);
    auto health = cli.Get("/healthz");
    REQUIRE(health);
    CHECK(health->status == 503);
    CHECK(health->body.find(R"("status":"journal_behind")") != std::string::npos);
    CHECK(health->body.find("behind") != std::string::npos);
    // The writer catches up: health is ok again.
    bool ok = false;
    for (int i = 0; i < 400 && !ok; ++i) {
        ok = cli.Get("/healthz")->status == 200;
        if (!ok) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    CHECK(ok);
    std::filesystem::remove_all(o.data_dir);
}
