// The cdp-proxy binary as a process: restart after kill -9 (seq continues, torn line cut)
// and graceful SIGTERM (capture ended, delivered, exit 0 within 5 s).
#include <signal.h>

#include <fstream>

#include "catch.hpp"
#include "proxy_process.hpp"
#include "test_support.hpp"

using namespace hubtest;

namespace {
// The binary with the journal committing every millisecond.
struct Process : ProxyProcess {
    Process(const std::string& data_dir, int port)
        : ProxyProcess(CDP_PROXY, data_dir, port, {"--journal-commit-ms", "1"}) {}
};

std::string newest_segment(const std::string& dir) {
    std::string newest;
    for (auto& e : std::filesystem::directory_iterator(dir))
        if (e.path().extension() == ".ndjson" && e.path().string() > newest) newest = e.path();
    return newest;
}
}  // namespace

TEST_CASE("after kill -9 the hub keeps every acknowledged event, cuts a torn line, skips seqs") {
    const std::string dir = temp_dir();
    const int port = free_port();
    {
        Process p(dir, port);
        httplib::Client cli("127.0.0.1", port);
        // No pause before the kill: a 200 means the event is already durable.
        for (int i = 1; i <= 10; ++i)
            REQUIRE(cli.Post("/telemetry/events", crash_json("k:" + std::to_string(i)),
                             "application/json")
                        ->status == 200);
        int st = p.signal_and_wait(SIGKILL, std::chrono::seconds(5));
        REQUIRE(WIFSIGNALED(st));
    }
    std::ofstream(newest_segment(dir), std::ios::app) << R"({"seq":11,"ts":"2026-11-)";
    Process p(dir, port);
    httplib::Client cli("127.0.0.1", port);
    auto page = cli.Get("/telemetry/events?since=0&limit=100")->body;
    for (int i = 1; i <= 10; ++i)
        CHECK(page.find(fmt::format(R"("id":"k:{}")", i)) != std::string::npos);
    CHECK(page.find(R"("seq":11,)") == std::string::npos);
    // A retry of an id stored before the crash is still a duplicate.
    auto retry = cli.Post("/telemetry/events", crash_json("k:10"), "application/json");
    CHECK(retry->body.find(R"("duplicates":1)") != std::string::npos);
    // seq continues above the reserved block, never at 11 (a reader may have seen 11 before
    // the kill).
    auto next = cli.Post("/telemetry/events", crash_json("k:11"), "application/json");
    const uint64_t next_seq = std::stoull(next->body.substr(next->body.find("first_seq") + 11));
    CHECK(next_seq > 11);
    // A reader resuming with a Last-Event-ID from before the restart gets the rest and then the
    // new event: the skipped seqs were never assigned, so no events_dropped.
    SseCollector reader(port, "/telemetry/stream", {{"Last-Event-ID", "8"}});
    REQUIRE(reader.wait([](auto& e) { return e.size() >= 3; }));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    REQUIRE(reader.events().size() == 3);
    CHECK(reader.events()[0].id == "9");
    CHECK(reader.events()[1].id == "10");
    CHECK(reader.events()[2].id == std::to_string(next_seq));
    CHECK(cli.Get("/telemetry/events?since=0&limit=100")->body.find("events_dropped") ==
          std::string::npos);
    // One that saw seq 11 (handed out, torn on disk) is told the rest of the block may have
    // held lost events: reason unstored, the range, no count.
    SseCollector saw_11(port, "/telemetry/stream", {{"Last-Event-ID", "11"}});
    REQUIRE(saw_11.wait([](auto& e) { return e.size() >= 2; }));
    const auto lost = saw_11.events()[0];
    CHECK(lost.event == "events_dropped");
    CHECK(lost.data.find(R"("reason":"unstored")") != std::string::npos);
    CHECK(lost.data.find(R"("from_seq":12)") != std::string::npos);
    CHECK(lost.data.find(fmt::format(R"("to_seq":{})", next_seq - 1)) != std::string::npos);
    CHECK(lost.data.find(R"("count")") == std::string::npos);
    CHECK(saw_11.events()[1].id == std::to_string(next_seq));
    CHECK(WIFEXITED(p.signal_and_wait(SIGTERM, std::chrono::seconds(5))));
    // After a clean stop the mark is exact: the next start continues right after next_seq.
    Process again(dir, port);
    auto after = cli.Post("/telemetry/events", crash_json("k:12"), "application/json");
    CHECK(after->body.find(fmt::format(R"("first_seq":{})", next_seq + 1)) != std::string::npos);
    std::filesystem::remove_all(dir);
}

TEST_CASE("SIGTERM ends the capture, delivers session_ended and exits 0 within 5 s") {
    const std::string dir = temp_dir();
    const int port = free_port();
    Process p(dir, port);
    httplib::Client cli("127.0.0.1", port);
    REQUIRE(
        cli.Post("/telemetry/capture", R"({"categories":["cdp"]})", "application/json")->status ==
        201);
    SseCollector reader(port, "/telemetry/stream?since=0");
    REQUIRE(reader.wait([](auto& e) { return e.size() == 1; }));
    const auto t0 = std::chrono::steady_clock::now();
    int st = p.signal_and_wait(SIGTERM, std::chrono::seconds(5));
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
    REQUIRE(WIFEXITED(st));
    CHECK(WEXITSTATUS(st) == 0);
    REQUIRE(reader.wait([](auto& e) { return e.size() == 2; }));
    CHECK(reader.events()[1].event == "session_ended");
    // session_ended is also durable.
    std::ifstream seg(newest_segment(dir));
    std::string all((std::istreambuf_iterator<char>(seg)), {});
    CHECK(all.find("\"type\":\"session_ended\"") != std::string::npos);
    std::filesystem::remove_all(dir);
}

namespace {
// Runs a command line, returns its wait status; its stdout and stderr go to out.
int run(const std::string& cmd, std::string& out) {
    FILE* p = popen((cmd + " 2>&1").c_str(), "r");
    if (!p) return -1;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    return pclose(p);
}

std::vector<std::string> lines_of(const std::string& path) {
    std::ifstream f(path);
    std::vector<std::string> out;
    for (std::string l; std::getline(f, l);) out.push_back(l);
    return out;
}

// Index of the first line at or after from containing every needle; -1 when none.
long find_line(const std::vector<std::string>& lines, size_t from,
               std::initializer_list<std::string> needles) {
    for (size_t i = from; i < lines.size(); ++i) {
        bool all = true;
        for (const auto& n : needles) all &= lines[i].find(n) != std::string::npos;
        if (all) return static_cast<long>(i);
    }
    return -1;
}

// Connects to the proxy's CDP port, retrying while it is not listening yet (the hub, which
// ProxyProcess waits for, starts first).
int connect_cdp(int cdp_port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(cdp_port));
    for (int i = 0; i < 500; ++i) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) return fd;
        close(fd);
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
}

// Sends a WebSocket upgrade for the browser to the proxy and reads its answer to the end.
std::string upgrade_and_read(int cdp_port) {
    const int fd = connect_cdp(cdp_port);
    std::string answer;
    const std::string req =
        "GET /devtools/browser/x HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n";
    if (fd >= 0 && write(fd, req.data(), req.size()) == ssize_t(req.size())) {
        char buf[4096];
        for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) answer.append(buf, size_t(n));
    }
    if (fd >= 0) close(fd);
    return answer;
}
}  // namespace

TEST_CASE("a data dir that cannot be used is a clear error and exit status 1, not a crash") {
    const std::string dir = temp_dir();
    std::ofstream(dir + "/not-a-dir") << "x";
    std::string out;
    const int st = run(fmt::format("{} --api-listen 127.0.0.1:0 --cdp-listen 127.0.0.1:0 "
                                   "--data-dir {}/not-a-dir",
                                   CDP_PROXY, dir),
                       out);
    INFO(out);
    REQUIRE(WIFEXITED(st));  // not SIGSEGV
    CHECK(WEXITSTATUS(st) == 1);
    CHECK(out.find(dir + "/not-a-dir") != std::string::npos);
    CHECK(out.find("Not a directory") != std::string::npos);
    std::filesystem::remove_all(dir);
}

TEST_CASE("a second cdp-proxy on a running one's data dir or API port is refused, not shared") {
    const std::string dir = temp_dir(), other = temp_dir();
    const int port = free_port();
    ProxyProcess first(CDP_PROXY, dir, port, {"--no-monitor"});
    std::string out;
    int st = run(fmt::format("{} --api-listen 127.0.0.1:{} --cdp-listen 127.0.0.1:{} --data-dir {} "
                             "--no-monitor",
                             CDP_PROXY, free_port(), free_port(), dir),
                 out);
    INFO(out);
    REQUIRE(WIFEXITED(st));
    CHECK(WEXITSTATUS(st) == 1);
    CHECK(out.find("data dir " + dir + " is in use") != std::string::npos);
    // The same API port: cpp-httplib's default SO_REUSEPORT would let it bind and take half
    // of the producers' connections.
    out.clear();
    st = run(fmt::format("{} --api-listen 127.0.0.1:{} --cdp-listen 127.0.0.1:{} --data-dir {} "
                         "--no-monitor",
                         CDP_PROXY, port, free_port(), other),
             out);
    REQUIRE(WIFEXITED(st));
    CHECK(WEXITSTATUS(st) == 1);
    CHECK(out.find("Address already in use") != std::string::npos);
    // The first one is untouched: it still answers and still stores.
    httplib::Client cli("127.0.0.1", port);
    auto res = cli.Post("/telemetry/events", crash_json("lock:1"), "application/json");
    REQUIRE(res);
    CHECK(res->status == 200);
    std::filesystem::remove_all(dir);
    std::filesystem::remove_all(other);
}

TEST_CASE("new files in the data dir (seq.reserve, segments) are followed by a directory fsync") {
    std::string version;
    if (run("strace -V", version) != 0) {
        std::printf("SKIP: strace is not installed\n");
        std::exit(77);
    }
    const std::string dir = temp_dir();
    const std::string trace = dir + ".trace";
    const int port = free_port();
    // strace starts the binary (--seccomp-bpf: only the traced calls stop) and prints the path
    // behind every fd (-y).
    const pid_t pid = fork();
    if (pid == 0) {
        const std::string listen = "127.0.0.1:" + std::to_string(port);
        const std::string cdp = "127.0.0.1:" + std::to_string(free_port());
        execlp("strace", "strace", "-f", "-qq", "-y", "--seccomp-bpf", "-e",
               "trace=openat,fsync,fdatasync", "-o", trace.c_str(), CDP_PROXY, "--api-listen",
               listen.c_str(), "--cdp-listen", cdp.c_str(), "--data-dir", dir.c_str(), nullptr);
        _exit(127);
    }
    httplib::Client cli("127.0.0.1", port);
    bool up = false;
    for (int i = 0; i < 1000 && !up; ++i) {
        up = static_cast<bool>(cli.Get("/healthz"));
        if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    REQUIRE(up);
    auto res = cli.Post("/telemetry/events", crash_json("f:1"), "application/json");
    REQUIRE(res);
    REQUIRE(res->status == 200);  // durable: every step before it is in the trace
    // Stop the binary (strace's child); strace exits with it.
    std::ifstream children(fmt::format("/proc/{}/task/{}/children", pid, pid));
    pid_t proxy = 0;
    children >> proxy;
    kill(proxy > 0 ? proxy : pid, SIGTERM);
    for (int i = 0; i < 1000 && waitpid(pid, nullptr, WNOHANG) == 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    const auto lines = lines_of(trace);
    const std::string dir_fsync = "<" + dir + ">) = 0";
    const long reserve = find_line(lines, 0, {"seq.reserve\"", "O_CREAT"});
    REQUIRE(reserve >= 0);
    const long segment = find_line(lines, 0, {".ndjson\"", "O_CREAT"});
    REQUIRE(segment >= 0);
    const long seg_sync =
        find_line(lines, static_cast<size_t>(segment), {"fdatasync(", ".ndjson>"});
    REQUIRE(seg_sync > segment);
    // Each created name is fsynced into the directory before anything relies on it.
    const long after_reserve =
        find_line(lines, static_cast<size_t>(reserve), {"fsync(", dir_fsync});
    const long reserve_sync =
        find_line(lines, static_cast<size_t>(reserve), {"fdatasync(", "seq.reserve>"});
    CHECK(after_reserve > reserve);
    CHECK(after_reserve < reserve_sync);  // before the mark counts as persisted
    const long after_segment =
        find_line(lines, static_cast<size_t>(segment), {"fsync(", dir_fsync});
    CHECK(after_segment > segment);
    CHECK(after_segment < seg_sync);
    std::filesystem::remove_all(dir);
    std::filesystem::remove(trace);
}

TEST_CASE("--host is the source.host of every event of the process, cdp_* included") {
    const std::string dir = temp_dir();
    const int port = free_port();
    // No Chromium behind --upstream: the client gets 502 after the dial timeout (5 s), and the
    // proxy reports the connection as cdp_connect + cdp_disconnect upstream_error.
    ProxyProcess p(CDP_PROXY, dir, port,
                   {"--host", "vm-layout-7", "--no-monitor", "--upstream",
                    "127.0.0.1:" + std::to_string(free_port())});
    SseCollector reader(port, "/telemetry/stream?since=0");
    CHECK(upgrade_and_read(p.cdp_port).starts_with("HTTP/1.1 502"));
    REQUIRE(reader.wait([](auto& e) {
        return std::any_of(e.begin(), e.end(), [](auto& x) { return x.event == "cdp_disconnect"; });
    }));
    int checked = 0;
    for (const auto& e : reader.events()) {
        if (e.event != "cdp_connect" && e.event != "cdp_disconnect") continue;
        CAPTURE(e.data);
        CHECK(e.data.find(R"("source":{"kind":"cdp-proxy","host":"vm-layout-7")") !=
              std::string::npos);
        ++checked;
    }
    CHECK(checked == 2);
    CHECK(WEXITSTATUS(p.signal_and_wait(SIGTERM, std::chrono::seconds(5))) == 0);
    std::filesystem::remove_all(dir);
}

TEST_CASE("SIGINT stops as cleanly as SIGTERM: exit 0, the journal flushed") {
    const std::string dir = temp_dir();
    const int port = free_port();
    Process p(dir, port);
    httplib::Client cli("127.0.0.1", port);
    REQUIRE(cli.Post("/telemetry/events", crash_json("int:1"), "application/json")->status == 200);
    const int st = p.signal_and_wait(SIGINT, std::chrono::seconds(5));
    REQUIRE(WIFEXITED(st));
    CHECK(WEXITSTATUS(st) == 0);
    std::ifstream seg(newest_segment(dir));
    std::string all((std::istreambuf_iterator<char>(seg)), {});
    CHECK(all.find("\"id\":\"int:1\"") != std::string::npos);
    std::filesystem::remove_all(dir);
}
