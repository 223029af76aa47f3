// The relay on socketpairs (the test plays both the client and Chromium): a client frame that
// breaks RFC 6455 never reaches Chromium and the client gets 1002 with the rule it broke; a
// client that stops reading gets its 1008 only at a frame boundary, else no Close at all, and
// cdp_disconnect's close_code is one that left (a Close still queued when the wait ends does not
// count). With control on, each command is recorded once, matched to its reply by id and
// sessionId, without its params; one never answered is recorded with the disconnect reason.
#include "proxy/relay.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "catch.hpp"
#include "ws_frame_builder.hpp"

using namespace faultline;
using namespace faultline::proxy;
using namespace std::chrono_literals;

namespace {

std::string frame(unsigned char b0, const std::string& payload, bool mask) {
    return faultline::test::ws_frame(b0, payload, mask);
}

// Reads until EOF, a complete Close frame at the end of what came, or the deadline.
std::string read_all(int fd, std::chrono::milliseconds limit) {
    std::string got;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    char buf[65536];
    while (std::chrono::steady_clock::now() < deadline) {
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0) continue;
        ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0) break;
        got.append(buf, static_cast<size_t>(n));
    }
    return got;
}

struct Harness {
    cdp::UpstreamDiscovery discovery{cdp::UpstreamDiscovery::Options{}};
    std::mutex mu;
    std::condition_variable cv;
    std::vector<Event> events;
    std::string log;
    std::unique_ptr<Relay> relay;
    int client = -1, upstream = -1;  // the test's ends

    explicit Harness(RelayOptions o, std::string upstream_bytes = {}, int client_sndbuf = 0,
                     bool control = false) {
        o.log = [this](std::string_view line) {
            std::lock_guard lock(mu);
            log.append(line).append("\n");
        };
        relay = std::make_unique<Relay>(o, discovery, [this](Event e) {
            std::lock_guard lock(mu);
            events.push_back(std::move(e));
            cv.notify_all();
        });
        std::string error;
        REQUIRE(relay->start(error));
        relay->set_control(control);  // applied before the connection below is taken
        int c[2], u[2];
        REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, c) == 0);
        REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, u) == 0);
        if (client_sndbuf)
            setsockopt(c[0], SOL_SOCKET, SO_SNDBUF, &client_sndbuf, sizeof client_sndbuf);
        for (int fd : {c[0], u[0]}) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        client = c[1], upstream = u[1];
        RelayStart s;
        s.info.id = "test-1";
        s.info.target = "browser";
        s.info.started = std::chrono::steady_clock::now();
        s.client_fd.reset(c[0]);
        s.upstream_fd.reset(u[0]);
        s.upstream_bytes = std::move(upstream_bytes);
        relay->add(std::move(s));
    }
    ~Harness() {
        relay->stop();
        close(client);
        close(upstream);
    }
    void send_client(const std::string& bytes) const {
        REQUIRE(write(client, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
    }
    void send_upstream(const std::string& bytes) const {
        REQUIRE(write(upstream, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
    }
    std::vector<Event> wait_events(size_t n, std::chrono::milliseconds limit = 5s) {
        std::unique_lock lock(mu);
        cv.wait_for(lock, limit, [&] { return events.size() >= n; });
        return events;
    }
    std::string disconnect(std::chrono::milliseconds limit = 5s) {
        std::unique_lock lock(mu);
        cv.wait_for(lock, limit, [&] { return !events.empty(); });
        return events.empty() ? std::string() : events.front().data;
    }
    bool logged(std::string_view what) {
        std::lock_guard lock(mu);
        return log.find(what) != std::string::npos;
    }
};

RelayOptions options() {
    RelayOptions o;
    o.close_wait = 2000ms;
    o.drain_timeout = 500ms;
    o.slow_client_timeout = 300ms;
    return o;
}

const std::string kGood = frame(0x81, R"({"id":1,"method":"Browser.getVersion"})", true);

void expect_protocol_error(const std::string& bad, const std::string& rule, bool split_header) {
    Harness h(options());
    h.send_client(kGood);
    if (split_header) {  // the bad header arrives in two reads: its first byte must not go on
        h.send_client(bad.substr(0, 1));
        std::this_thread::sleep_for(150ms);
        h.send_client(bad.substr(1));
    } else {
        h.send_client(bad + kGood);
    }
    // Chromium gets the good frame and then EOF: nothing of the bad frame, nothing after it.
    CHECK(read_all(h.upstream, 3s) == kGood);
    const std::string close = read_all(h.client, 3s);
    const std::string reason = "client_close: protocol error: " + rule;
    CHECK(close == frame(0x88, std::string("\x03\xea", 2) + reason, false));  // 1002
    shutdown(h.client, SHUT_WR);  // the client's answer: it closes
    const std::string d = h.disconnect();
    CHECK(d.find(R"("reason":"client_close")") != std::string::npos);
    CHECK(d.find(R"("close_code":1002)") != std::string::npos);
    CHECK(h.logged("client protocol error (" + rule + ")"));
}

}  // namespace

TEST_CASE("a client frame that breaks RFC 6455 gets 1002 and never reaches Chromium") {
    SECTION("unmasked") {
        expect_protocol_error(frame(0x81, "{}", false),
                              "unmasked frame (a client must mask every frame)", false);
    }
    SECTION("reserved opcode, header split across reads") {
        expect_protocol_error(frame(0x83, "{}", true), "reserved opcode 3", true);
    }
    SECTION("RSV1 (no compression was negotiated)") {
        expect_protocol_error(frame(0xc1, "{}", true),
                              "RSV bits set, but no extension was negotiated", false);
    }
    SECTION("continuation without a message") {
        expect_protocol_error(frame(0x80, "{}", true), "continuation frame with no message begun",
                              false);
    }
}

TEST_CASE("a slow client's 1008 goes out only at a frame boundary") {
    const std::string big(1 << 20, 'x');
    SECTION("Chromium's frame is complete: the Close follows it") {
        const std::string whole = frame(0x81, big, false);
        Harness h(options(), whole, 4096);
        for (int i = 0; i < 50 && !h.logged("stopped reading"); ++i)
            std::this_thread::sleep_for(50ms);
        REQUIRE(h.logged("stopped reading"));
        const std::string got = read_all(h.client, 1500ms);
        REQUIRE(got.size() > whole.size());
        CHECK(got.substr(0, whole.size()) == whole);
        const std::string close = got.substr(whole.size());
        REQUIRE(close.size() >= 4);
        CHECK(static_cast<unsigned char>(close[0]) == 0x88);  // FIN + Close, unmasked
        CHECK(static_cast<size_t>(close[1]) + 2 == close.size());
        CHECK(close.substr(2, 2) == std::string("\x03\xf0", 2));  // 1008
        CHECK(close.find("--slow-client-timeout") != std::string::npos);
        shutdown(h.client, SHUT_WR);
        const std::string d = h.disconnect();
        CHECK(d.find(R"("close_code":1008)") != std::string::npos);
    }
    SECTION("a client that never reads again gets no close_code it never received") {
        const std::string whole = frame(0x81, big, false);
        Harness h(options(), whole, 4096);
        const std::string d = h.disconnect();  // after the close handshake's wait
        CHECK(d.find(R"("reason":"client_close")") != std::string::npos);
        CHECK(d.find("close_code") == std::string::npos);
        const std::string got = read_all(h.client, 1s);
        CHECK(got.size() < whole.size());
        CHECK(got == whole.substr(0, got.size()));
    }
    SECTION("Chromium's frame is cut short: no Close inside it, and no close_code") {
        const std::string whole = frame(0x81, big + big, false);
        const std::string part = whole.substr(0, whole.size() / 2);
        Harness h(options(), part, 4096);
        for (int i = 0; i < 50 && !h.logged("stopped reading"); ++i)
            std::this_thread::sleep_for(50ms);
        REQUIRE(h.logged("stopped reading"));
        const std::string got = read_all(h.client, 3s);  // the rest of what was read, then EOF
        CHECK(got == part);
        const std::string d = h.disconnect();
        CHECK(d.find(R"("reason":"client_close")") != std::string::npos);
        CHECK(d.find("close_code") == std::string::npos);
    }
}

TEST_CASE("control: replies are matched by id and sessionId; the unanswered carry the reason") {
    Harness h(options(), {}, 0, /*control=*/true);
    const std::string commands =
        frame(
            0x81,
            R"({"id":1,"method":"Runtime.evaluate","params":{"expression":"s3cret"},"sessionId":"A"})",
            true) +
        frame(
            0x81,
            R"({"id":1,"method":"Page.navigate","params":{"url":"https://s3cret/"},"sessionId":"B"})",
            true) +
        frame(0x81, R"({"id":2,"method":"Target.getTargets"})", true);
    h.send_client(commands);
    // Chromium has them, so the relay has read their heads: the replies can come.
    std::string got;
    for (int i = 0; i < 50 && got.size() < commands.size(); ++i) got += read_all(h.upstream, 100ms);
    REQUIRE(got == commands);
    h.send_upstream(
        frame(0x81, R"({"id":1,"error":{"code":-32000,"message":"no \"page\""},"sessionId":"B"})",
              false));
    h.send_upstream(
        frame(0x81, R"({"id":1,"result":{"result":{"value":"s3cret"}},"sessionId":"A"})", false));
    std::vector<Event> e = h.wait_events(2);
    REQUIRE(e.size() == 2);
    CHECK(e[0].type == "cdp_command");
    CHECK(e[0].data.find(R"("session_id":"B","id":1,"method":"Page.navigate")") !=
          std::string::npos);
    CHECK(e[0].data.find(R"("error_code":-32000,"error_message":"no \"page\"")") !=
          std::string::npos);
    CHECK(e[1].data.find(R"("session_id":"A","id":1,"method":"Runtime.evaluate")") !=
          std::string::npos);
    CHECK(e[1].data.find("error") == std::string::npos);
    CHECK(e[1].data.find(R"("duration_ms":)") != std::string::npos);
    shutdown(h.client, SHUT_WR);  // the client leaves with id 2 unanswered
    e = h.wait_events(4);
    REQUIRE(e.size() == 4);
    CHECK(e[2].type == "cdp_command");  // before the connection's cdp_disconnect
    CHECK(e[2].data.find(R"("id":2,"method":"Target.getTargets")") != std::string::npos);
    CHECK(e[2].data.find(R"("disconnect_reason":"client_close")") != std::string::npos);
    CHECK(e[2].data.find("duration_ms") == std::string::npos);
    CHECK(e[3].type == "cdp_disconnect");
    for (const Event& ev : e) {
        CHECK(ev.data.find("s3cret") == std::string::npos);  // params and results: never
        CHECK(is_rfc3339(ev.ts));
    }
}
