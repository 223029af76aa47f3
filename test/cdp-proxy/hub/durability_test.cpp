// The cdp-proxy binary under faults: kill -9 during sustained ingest, and a data dir on a
// full tmpfs. Every POST answered 200 must still be there after a restart, every other answer
// is 503 with Retry-After and the cause, and seq never goes back to a value a reader saw.
// Run one case per meson test: hub_durability_test '[kill9]' or '[full_disk]'.
#include <sys/mount.h>

#include <cstdlib>
#include <map>
#include <set>

#include "catch.hpp"
#include "proxy_process.hpp"
#include "test_support.hpp"

using namespace hubtest;
using Clock = std::chrono::steady_clock;

namespace {
const char* kNdjson = "application/x-ndjson";

// A batch of n service_crashed events with ids prefix:first..prefix:first+n-1, each about
// pad bytes larger than the minimum.
std::string batch(const std::string& prefix, int first, int n, size_t pad = 0) {
    std::string out;
    for (int i = first; i < first + n; ++i)
        out += crash_json(prefix + ":" + std::to_string(i), "svc" + std::string(pad, 'x')) + "\n";
    return out;
}

struct Stored {
    std::map<std::string, uint64_t> seq_of_id;     // id -> seq
    uint64_t records = 0, max_seq = 0, drops = 0;  // drops: events_dropped notices
    bool seq_repeated = false;
};

// Pages through GET /telemetry/events from since=0 and indexes every stored event by id.
Stored read_stored(int port) {
    httplib::Client cli("127.0.0.1", port);
    cli.set_read_timeout(30, 0);
    Stored s;
    std::set<uint64_t> seen;
    uint64_t since = 0;
    while (true) {
        auto r = cli.Get(fmt::format("/telemetry/events?since={}&limit=1000", since));
        REQUIRE(r);
        REQUIRE(r->status == 200);
        const std::string& b = r->body;
        size_t at = 0;
        while ((at = b.find("{\"seq\":", at)) != std::string::npos) {
            at += 7;
            const uint64_t seq = std::stoull(b.substr(at, 21));
            const size_t id_at = b.find("\"id\":\"", at);
            const size_t next = b.find("{\"seq\":", at);
            if (id_at != std::string::npos && (next == std::string::npos || id_at < next)) {
                const size_t end = b.find('"', id_at + 6);
                s.seq_of_id[b.substr(id_at + 6, end - id_at - 6)] = seq;
            }
            s.seq_repeated |= !seen.insert(seq).second;
            s.max_seq = std::max(s.max_seq, seq);
            ++s.records;
        }
        for (size_t d = 0; (d = b.find(R"("type":"events_dropped")", d)) != std::string::npos; ++d)
            ++s.drops;
        const uint64_t next_since = std::stoull(b.substr(b.find("\"next_since\":") + 13, 21));
        if (next_since == since) break;
        since = next_since;
    }
    return s;
}

uint64_t max_id(const std::vector<faultline::SseEvent>& ev) {
    uint64_t m = 0;
    for (const auto& e : ev) m = std::max<uint64_t>(m, std::stoull(e.id));
    return m;
}

uint64_t first_seq(const std::string& body) {
    const size_t at = body.find("\"first_seq\":");
    return at == std::string::npos ? 0 : std::strtoull(body.c_str() + at + 12, nullptr, 10);
}

// A producer's acknowledged ids, from any thread.
struct Acked {
    std::mutex mu;
    std::vector<std::string> ids;
    std::atomic<uint64_t> ok{0}, unavailable{0}, other{0};
    void add(const std::string& prefix, int first, int n) {
        std::lock_guard lock(mu);
        for (int i = first; i < first + n; ++i) ids.push_back(prefix + ":" + std::to_string(i));
    }
};

uint64_t metric(int port, const std::string& name) {
    httplib::Client cli("127.0.0.1", port);
    auto r = cli.Get("/metrics");
    if (!r) return UINT64_MAX;
    const size_t at = r->body.find("\n" + name + " ");
    if (at == std::string::npos) return UINT64_MAX;
    return std::stoull(r->body.substr(at + name.size() + 2));
}
}  // namespace

TEST_CASE("kill -9 during sustained ingest loses no acknowledged event, reuses no seq", "[kill9]") {
    const std::string dir = temp_dir();
    const int port = free_port();
    Acked acked;
    uint64_t reader_max = 0;
    {
        ProxyProcess p(CDP_PROXY, dir, port);
        SseCollector reader(port, "/telemetry/stream?since=0");
        std::atomic<bool> stop{false};
        std::vector<std::thread> producers;
        for (int t = 0; t < 4; ++t)
            producers.emplace_back([&, t] {
                httplib::Client cli("127.0.0.1", port);
                cli.set_read_timeout(5, 0);
                const std::string prefix = "p" + std::to_string(t);
                for (int n = 0; !stop; n += 20) {
                    auto r = cli.Post("/telemetry/events", batch(prefix, n, 20), kNdjson);
                    if (r && r->status == 200) {
                        acked.add(prefix, n, 20);
                        ++acked.ok;
                    } else if (r) {
                        ++acked.other;
                    }
                }
            });
        std::this_thread::sleep_for(std::chrono::milliseconds(1500));
        REQUIRE(WIFSIGNALED(p.signal_and_wait(SIGKILL, std::chrono::seconds(5))));
        stop = true;
        for (auto& t : producers) t.join();
        reader_max = max_id(reader.events());
    }
    INFO("batches acknowledged: " << acked.ok << ", other answers: " << acked.other);
    REQUIRE(acked.ok > 20);
    CHECK(acked.other == 0);
    ProxyProcess p(CDP_PROXY, dir, port);
    const Stored s = read_stored(port);
    size_t missing = 0;
    for (const auto& id : acked.ids) missing += s.seq_of_id.count(id) == 0;
    std::printf(
        "kill -9: %zu events acknowledged, %zu missing after restart, %llu stored, "
        "reader saw up to seq %llu\n",
        acked.ids.size(), missing, static_cast<unsigned long long>(s.records),
        static_cast<unsigned long long>(reader_max));
    CHECK(missing == 0);
    CHECK_FALSE(s.seq_repeated);
    // The stored events are contiguous and the reserved rest was never assigned: a page reader
    // from the start is told of no drop at all.
    CHECK(s.drops == 0);
    // The reader resumes where it was: it missed nothing when it had not gone past what was
    // stored; else the seqs it saw were never stored and the rest of the block may have held
    // more, which it is told as such (unstored, the range, no count), never as a count.
    SseCollector resumed(port, "/telemetry/stream",
                         {{"Last-Event-ID", std::to_string(reader_max)}});
    auto next =
        httplib::Client("127.0.0.1", port).Post("/telemetry/events", batch("after", 0, 1), kNdjson);
    REQUIRE(next);
    REQUIRE(next->status == 200);
    CHECK(first_seq(next->body) > reader_max);
    CHECK(first_seq(next->body) > s.max_seq);
    const std::string next_id = std::to_string(first_seq(next->body));
    REQUIRE(resumed.wait([&](auto& e) { return !e.empty() && e.back().id == next_id; }));
    const auto seen = resumed.events();
    if (reader_max <= s.max_seq) {
        CHECK(seen.size() == s.max_seq - reader_max + 1);
        for (const auto& e : seen) CHECK(e.event != "events_dropped");
    } else {
        REQUIRE(seen.size() == 2);
        CHECK(seen[0].event == "events_dropped");
        CHECK(seen[0].data.find(R"("reason":"unstored")") != std::string::npos);
        CHECK(seen[0].data.find(fmt::format(R"("from_seq":{})", reader_max + 1)) !=
              std::string::npos);
        CHECK(seen[0].data.find(R"("count")") == std::string::npos);
    }
    std::filesystem::remove_all(dir);
}

TEST_CASE("a full disk: every POST is 200 and kept, or 503; the hub recovers by itself",
          "[full_disk]") {
    const std::string dir = temp_dir();
    if (mount("tmpfs", dir.c_str(), "tmpfs", 0, "size=256k") != 0) {
        std::printf("SKIP: cannot mount a 256 KiB tmpfs on %s (%s): needs root\n", dir.c_str(),
                    std::strerror(errno));
        std::exit(77);
    }
    struct Unmount {
        std::string d;
        ~Unmount() {
            umount2(d.c_str(), MNT_DETACH);
            std::filesystem::remove_all(d);
        }
    } unmount{dir};
    const int port = free_port();
    Acked acked;
    uint64_t reader_max = 0;
    {
        ProxyProcess p(CDP_PROXY, dir, port);
        SseCollector reader(port, "/telemetry/stream?since=0");
        httplib::Client cli("127.0.0.1", port);
        int consecutive_503 = 0;
        for (int n = 0; n < 200 * 20 && consecutive_503 < 5; n += 20) {
            auto r = cli.Post("/telemetry/events", batch("f", n, 20, 400), kNdjson);
            REQUIRE(r);
            if (r->status == 200) {
                acked.add("f", n, 20);
                ++acked.ok;
                consecutive_503 = 0;
                continue;
            }
            REQUIRE(r->status == 503);
            ++acked.unavailable;
            ++consecutive_503;
            CHECK(r->get_header_value("Retry-After") == "1");
            CHECK(r->body.find("ENOSPC") != std::string::npos);
        }
        REQUIRE(consecutive_503 == 5);
        CHECK(acked.ok > 5);
        auto health = cli.Get("/healthz");
        REQUIRE(health);
        CHECK(health->status == 503);
        CHECK(health->body.find("No space left on device") != std::string::npos);
        CHECK(metric(port, "faultline_hub_journal_writable") == 0);
        const uint64_t enospc =
            metric(port, "faultline_hub_journal_errors_total{cause=\"ENOSPC\"}");
        CHECK(enospc != UINT64_MAX);  // the metric is there
        CHECK(enospc > 0);
        // Stream readers still get everything in memory.
        CHECK(reader.wait(
            [&](auto& e) { return max_id(e) == metric(port, "faultline_hub_last_seq"); }));
        reader_max = max_id(reader.events());
        REQUIRE(WIFSIGNALED(p.signal_and_wait(SIGKILL, std::chrono::seconds(5))));
    }
    std::printf("full disk: %llu batches acknowledged, %llu answered 503; reader saw up to %llu\n",
                static_cast<unsigned long long>(acked.ok.load()),
                static_cast<unsigned long long>(acked.unavailable.load()),
                static_cast<unsigned long long>(reader_max));
    // Restarted on the still-full disk.
    ProxyProcess p(CDP_PROXY, dir, port);
    httplib::Client cli("127.0.0.1", port);
    const Stored s = read_stored(port);
    size_t missing = 0;
    for (const auto& id : acked.ids) missing += s.seq_of_id.count(id) == 0;
    CHECK(missing == 0);
    CHECK_FALSE(s.seq_repeated);
    auto still_full = cli.Post("/telemetry/events", batch("g", 0, 20, 400), kNdjson);
    REQUIRE(still_full);
    CHECK((still_full->status == 503 || still_full->status == 200));
    if (still_full->status == 200) CHECK(first_seq(still_full->body) > reader_max);
    // Space returns: the journal resumes by itself, health returns to ok.
    REQUIRE(mount("tmpfs", dir.c_str(), "tmpfs", MS_REMOUNT, "size=64m") == 0);
    bool ok = false;
    for (int i = 0; i < 500 && !ok; ++i) {
        auto h = cli.Get("/healthz");
        ok = h && h->status == 200;
        if (!ok) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    CHECK(ok);
    auto after = cli.Post("/telemetry/events", batch("h", 0, 20, 400), kNdjson);
    REQUIRE(after);
    CHECK(after->status == 200);
    CHECK(first_seq(after->body) > reader_max);
    auto retry = cli.Post("/telemetry/events", batch("g", 0, 20, 400), kNdjson);
    REQUIRE(retry);
    CHECK(retry->status == 200);
    const Stored s2 = read_stored(port);
    for (int i = 0; i < 20; ++i) {
        CHECK(s2.seq_of_id.count("g:" + std::to_string(i)) == 1);
        CHECK(s2.seq_of_id.count("h:" + std::to_string(i)) == 1);
    }
    CHECK_FALSE(s2.seq_repeated);
    CHECK(WIFEXITED(p.signal_and_wait(SIGTERM, std::chrono::seconds(5))));
}

namespace {
// A WebSocket upgrade to the CDP proxy whose upstream is not there: the proxy publishes
// cdp_connect and cdp_disconnect (upstream_error) in-process and answers 502.
void cdp_attempt(int cdp_port) {
    httplib::Client cli("127.0.0.1", cdp_port);
    cli.set_read_timeout(10, 0);
    const httplib::Headers upgrade = {{"Upgrade", "websocket"},
                                      {"Connection", "Upgrade"},
                                      {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="},
                                      {"Sec-WebSocket-Version", "13"}};
    auto r = cli.Get("/devtools/browser/x", upgrade);
    // The CDP listener starts just after the hub answers /healthz.
    for (int i = 0; i < 500 && !r; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        r = cli.Get("/devtools/browser/x", upgrade);
    }
    REQUIRE(r);
    CHECK(r->status >= 500);
}

std::vector<uint64_t> seqs_of_type(const std::vector<faultline::SseEvent>& ev, const char* type) {
    std::vector<uint64_t> out;
    for (const auto& e : ev)
        if (e.event == type) out.push_back(std::stoull(e.id));
    return out;
}

bool stored_seq(int port, uint64_t seq, const char* type) {
    httplib::Client cli("127.0.0.1", port);
    auto r = cli.Get(fmt::format("/telemetry/events?since={}&limit=1", seq - 1));
    return r && r->body.find(fmt::format(R"({{"seq":{},)", seq)) != std::string::npos &&
           r->body.find(fmt::format(R"("type":"{}")", type)) != std::string::npos;
}

struct Tmpfs {
    std::string dir;
    explicit Tmpfs(const char* size) : dir(temp_dir()) {
        if (mount("tmpfs", dir.c_str(), "tmpfs", 0, size) != 0) {
            std::printf("SKIP: cannot mount a tmpfs on %s (%s): needs root\n", dir.c_str(),
                        std::strerror(errno));
            std::exit(77);
        }
    }
    bool remount(unsigned long flags, const char* opts) {
        return mount("tmpfs", dir.c_str(), "tmpfs", MS_REMOUNT | flags, opts) == 0;
    }
    ~Tmpfs() {
        umount2(dir.c_str(), MNT_DETACH);
        std::filesystem::remove_all(dir);
    }
};
}  // namespace

TEST_CASE("kill -9: in-process cdp_connect/cdp_disconnect are journaled within the commit interval",
          "[kill9_inprocess]") {
    const std::string dir = temp_dir();
    const int port = free_port();
    std::vector<uint64_t> connects, disconnects;
    {
        ProxyProcess p(CDP_PROXY, dir, port,
                       {"--journal-commit-ms", "50", "--upstream", "127.0.0.1:1"});
        SseCollector reader(port, "/telemetry/stream?since=0");
        for (int i = 0; i < 5; ++i) cdp_attempt(p.cdp_port);
        REQUIRE(reader.wait([](auto& e) { return seqs_of_type(e, "cdp_disconnect").size() == 5; }));
        connects = seqs_of_type(reader.events(), "cdp_connect");
        disconnects = seqs_of_type(reader.events(), "cdp_disconnect");
        std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the interval, 10 times
        REQUIRE(WIFSIGNALED(p.signal_and_wait(SIGKILL, std::chrono::seconds(5))));
    }
    REQUIRE(connects.size() == 5);
    ProxyProcess p(CDP_PROXY, dir, port);
    for (uint64_t s : connects) CHECK(stored_seq(port, s, "cdp_connect"));
    for (uint64_t s : disconnects) CHECK(stored_seq(port, s, "cdp_disconnect"));
    std::filesystem::remove_all(dir);
}

TEST_CASE(
    "a read-only data dir at start: the proxy serves, the journal is unwritable, then "
    "recovers",
    "[readonly]") {
    Tmpfs fs("size=1m");
    const int port = free_port();
    uint64_t seen = 0;
    {
        ProxyProcess p(CDP_PROXY, fs.dir, port, {"--upstream", "127.0.0.1:1"});
        httplib::Client cli("127.0.0.1", port);
        auto r = cli.Post("/telemetry/events", batch("ro", 0, 20), kNdjson);
        REQUIRE(r);
        REQUIRE(r->status == 200);
        seen = first_seq(r->body) + 19;
        REQUIRE(WIFSIGNALED(p.signal_and_wait(SIGKILL, std::chrono::seconds(5))));
    }
    REQUIRE(fs.remount(MS_RDONLY, ""));
    ProxyProcess p(CDP_PROXY, fs.dir, port, {"--upstream", "127.0.0.1:1"});
    httplib::Client cli("127.0.0.1", port);
    auto health = cli.Get("/healthz");
    REQUIRE(health);
    CHECK(health->status == 503);
    CHECK(health->body.find("EROFS") != std::string::npos);
    auto refused = cli.Post("/telemetry/events", batch("ro", 20, 20), kNdjson);
    REQUIRE(refused);
    CHECK(refused->status == 503);
    CHECK(refused->get_header_value("Retry-After") == "1");
    CHECK(refused->body.find("Read-only file system") != std::string::npos);
    CHECK(metric(p.port, "faultline_hub_journal_writable") == 0);
    // The CDP proxy is up (its upstream is not: 5xx from the proxy itself), and what was
    // stored before is still served.
    cdp_attempt(p.cdp_port);
    const Stored before = read_stored(port);
    CHECK(before.seq_of_id.count("ro:19") == 1);
    // No seq is handed out while the mark cannot be persisted: the proxy's own events wait.
    CHECK(metric(p.port, "faultline_hub_last_seq") <= seen + 65536);
    REQUIRE(fs.remount(0, ""));  // writable again: the journal resumes by itself
    bool ok = false;
    for (int i = 0; i < 500 && !ok; ++i) {
        auto h = cli.Get("/healthz");
        ok = h && h->status == 200;
        if (!ok) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    REQUIRE(ok);
    auto stored = cli.Post("/telemetry/events", batch("ro", 20, 20), kNdjson);
    REQUIRE(stored);
    CHECK(stored->status == 200);
    CHECK(first_seq(stored->body) > seen);
    CHECK(first_seq(stored->body) > before.max_seq);
    CHECK(WIFEXITED(p.signal_and_wait(SIGTERM, std::chrono::seconds(5))));
    ProxyProcess again(CDP_PROXY, fs.dir, port);
    const Stored after = read_stored(port);
    CHECK_FALSE(after.seq_repeated);
    CHECK(after.seq_of_id.count("ro:39") == 1);
}

namespace {
// An OTLP/HTTP collector that takes every export (200) and keeps the bodies.
struct Collector {
    httplib::Server server;
    std::thread thread;
    std::mutex mu;
    std::string bodies;
    int port = 0;
    Collector() {
        server.Post("/v1/logs", [this](const httplib::Request& req, httplib::Response& res) {
            std::lock_guard lock(mu);
            bodies += req.body;
            res.set_content("{}", "application/json");
        });
        port = server.bind_to_any_port("127.0.0.1");
        thread = std::thread([this] { server.listen_after_bind(); });
        for (int i = 0; i < 500 && !server.is_running(); ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    ~Collector() {
        server.stop();
        thread.join();
    }
    bool has(const std::string& text) {
        std::lock_guard lock(mu);
        return bodies.find(text) != std::string::npos;
    }
    template <class Pred>
    bool wait_for(Pred pred) {
        for (int i = 0; i < 1000 && !pred(); ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        return pred();
    }
};
}  // namespace

TEST_CASE("an idle kill -9: no reader (SSE, page, sink) is told of a drop after the restart",
          "[kill9_idle]") {
    const std::string dir = temp_dir();
    const int port = free_port();
    Collector collector;
    const std::vector<std::string> sink = {
        "--otlp-endpoint", fmt::format("http://127.0.0.1:{}/v1/logs", collector.port),
        "--otlp-compression", "none"};
    {
        ProxyProcess p(CDP_PROXY, dir, port, sink);
        SseCollector reader(port, "/telemetry/stream?since=0");
        httplib::Client cli("127.0.0.1", port);
        REQUIRE(cli.Post("/telemetry/events", batch("idle", 0, 3), kNdjson)->status == 200);
        REQUIRE(reader.wait([](auto& e) { return e.size() == 3; }));
        for (int i = 0; i < 3; ++i) {
            const std::string id = "idle:" + std::to_string(i);
            REQUIRE(collector.wait_for([&] { return collector.has(id); }));
        }
        REQUIRE(WIFSIGNALED(p.signal_and_wait(SIGKILL, std::chrono::seconds(5))));
    }
    ProxyProcess p(CDP_PROXY, dir, port, sink);
    SseCollector resumed(port, "/telemetry/stream", {{"Last-Event-ID", "3"}});
    httplib::Client cli("127.0.0.1", port);
    auto next = cli.Post("/telemetry/events", batch("idle", 3, 1), kNdjson);
    REQUIRE(next);
    REQUIRE(next->status == 200);
    const uint64_t seq = first_seq(next->body);
    CHECK(seq > 65536);  // above the block reserved before the crash
    // SSE: the new event comes next, nothing between.
    REQUIRE(resumed.wait([](auto& e) { return !e.empty(); }));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    REQUIRE(resumed.events().size() == 1);
    CHECK(resumed.events()[0].id == std::to_string(seq));
    // The JSON page from before the crash: the same.
    const std::string page = cli.Get("/telemetry/events?since=3&limit=100")->body;
    CHECK(page.find("events_dropped") == std::string::npos);
    CHECK(page.find(fmt::format(R"({{"seq":{},)", seq)) != std::string::npos);
    CHECK(read_stored(port).drops == 0);
    // The sink resumes from its cursor, exports the new event and skips nothing.
    CHECK(collector.wait_for([&] { return collector.has("idle:3"); }));
    CHECK(metric(port, "faultline_sink_skipped_total{sink=\"otlp\"}") == 0);
    CHECK(metric(port, "faultline_hub_events_dropped_total{reason=\"expired\"}") == 0);
    std::filesystem::remove_all(dir);
}
