// AlertWebhook against a real local HTTP server: post() never blocks, even while the server
// hangs; failed tries are retried a bounded number of times; a full queue drops the oldest.
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "catch.hpp"
#include "pressure/alert_webhook.hpp"
#include "pressure/event.hpp"

using namespace faultline::kmsgmon;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

struct Server {
    httplib::Server srv;
    std::thread thread;
    int port = 0;
    std::mutex mu;
    std::vector<std::string> bodies;
    std::atomic<int> fail_first{0};
    std::atomic<int> delay_ms{0};

    Server() {
        srv.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
            std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms.load()));
            std::lock_guard lock(mu);
            bodies.push_back(req.body);
            res.status = fail_first-- > 0 ? 503 : 204;
        });
        port = srv.bind_to_any_port("127.0.0.1");
        thread = std::thread([this] { srv.listen_after_bind(); });
        while (!srv.is_running()) std::this_thread::sleep_for(5ms);
    }
    ~Server() {
        srv.stop();
        thread.join();
    }
    size_t count() {
        std::lock_guard lock(mu);
        return bodies.size();
    }
};

Transition transition(PressureLevel level) {
    PressureSample s;
    s.t = 1, s.mem_total_kb = 1 << 20, s.mem_available_kb = 1 << 18;
    return Transition{level, PressureLevel::ok, {"psi_some_sustained"}, s, {}};
}

faultline::Source source() {
    return {"kmsg", "vm-1", "kmsgmon", std::nullopt};
}

faultline::HttpUrl url(int port) {
    faultline::HttpUrl u;
    std::string error;
    REQUIRE(faultline::parse_http_url(fmt::format("http://127.0.0.1:{}/hook", port), u, error));
    return u;
}

}  // namespace

TEST_CASE("webhook: ok is not an alert; warning is sent once") {
    Server server;
    AlertWebhook hook(url(server.port), "vm-1");
    faultline::Event ev = memory_pressure_event(transition(PressureLevel::warning), source());
    hook.post(transition(PressureLevel::ok), ev);
    hook.post(transition(PressureLevel::warning), ev);
    REQUIRE(hook.flush(Clock::now() + 10s));
    CHECK(server.count() == 1);
    CHECK(hook.stats().sent == 1);
    CHECK(server.bodies[0].find("\"content\":\"faultline: memory pressure WARNING on vm-1") !=
          std::string::npos);
}

TEST_CASE("webhook: post never blocks while the server hangs; retries are bounded") {
    Server server;
    server.delay_ms = 1500;
    server.fail_first = 1;
    WebhookOptions opt;
    opt.backoff = 100ms;
    opt.timeout = 3000ms;
    AlertWebhook hook(url(server.port), "vm-1", opt);
    faultline::Event ev = memory_pressure_event(transition(PressureLevel::critical), source());
    auto t0 = Clock::now();
    for (int i = 0; i < 3; ++i) hook.post(transition(PressureLevel::critical), ev);
    CHECK(Clock::now() - t0 < 100ms);
    REQUIRE(hook.flush(Clock::now() + 30s));
    CHECK(hook.stats().sent == 3);
    CHECK(server.count() == 4);  // one 503, retried
}

TEST_CASE("webhook: a dead endpoint gives up after the bounded tries; full queue drops oldest") {
    int port;
    {
        Server gone;
        port = gone.port;
    }
    WebhookOptions opt;
    opt.attempts = 2;
    opt.backoff = 50ms;
    opt.timeout = 500ms;
    opt.queue_capacity = 2;
    AlertWebhook hook(url(port), "vm-1", opt);
    faultline::Event ev = memory_pressure_event(transition(PressureLevel::warning), source());
    for (int i = 0; i < 6; ++i) hook.post(transition(PressureLevel::warning), ev);
    REQUIRE(hook.flush(Clock::now() + 20s));
    auto st = hook.stats();
    CHECK(st.sent == 0);
    CHECK(st.failed + st.dropped == 6);
    CHECK(st.dropped >= 3);
}
