// kmsgmon's memory sample sender: the sample as the hub takes it, delivery to a real HTTP
// server, post() never waiting on a hub that does not answer (newest wins, drops counted), and
// one log line per outage.
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "catch.hpp"
#include "faultline/memory_sample_decode.hpp"
#include "pressure/sample_sender.hpp"

using faultline::kmsgmon::SampleSender;
using Clock = std::chrono::steady_clock;

namespace {

faultline::HttpUrl url_of(int port) {
    faultline::HttpUrl u;
    std::string error;
    REQUIRE(faultline::parse_http_url("http://127.0.0.1:" + std::to_string(port), u, error));
    return u;
}

faultline::kmsgmon::PressureSample pressure_sample(int64_t avail) {
    faultline::kmsgmon::PressureSample s;
    s.t = 12.5;
    s.mem_total_kb = 1000, s.mem_available_kb = avail, s.swap_total_kb = 10, s.swap_free_kb = 5;
    s.psi_some_avg10 = 2.5;
    s.scope = "host";
    return s;
}

struct Hub {  // takes samples like the hub: 204, decoded
    httplib::Server srv;
    std::mutex mu;
    std::vector<faultline::MemorySample> got;
    std::atomic<int> status{204};
    std::thread thread;
    int port = 0;
    Hub() {
        srv.Post("/telemetry/samples", [this](const httplib::Request& q, httplib::Response& r) {
            faultline::MemorySampleDecoder dec;
            faultline::MemorySample s;
            faultline::SampleDecodeError err;
            if (dec.decode(q.body, s, err)) {
                std::lock_guard lock(mu);
                got.push_back(s);
            }
            r.status = status;
        });
        port = srv.bind_to_any_port("127.0.0.1");
        thread = std::thread([this] { srv.listen_after_bind(); });
        while (!srv.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ~Hub() {
        srv.stop();
        thread.join();
    }
    size_t count() {
        std::lock_guard lock(mu);
        return got.size();
    }
};

template <class F>
bool eventually(F f, std::chrono::milliseconds within = std::chrono::seconds(5)) {
    const auto end = Clock::now() + within;
    while (Clock::now() < end) {
        if (f()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return f();
}

}  // namespace

TEST_CASE("sample sender: the pressure sample as the hub takes it") {
    auto s = faultline::kmsgmon::memory_sample_of(pressure_sample(400), "vm-1", 1765092000123);
    CHECK(faultline::encode_memory_sample(s) ==
          R"({"ts_ms":1765092000123,"host":"vm-1","scope":"host","mem_total_kb":1000,)"
          R"("mem_available_kb":400,"swap_total_kb":10,"swap_free_kb":5,"psi_some_avg10":2.5})");
    faultline::kmsgmon::PressureSample c = pressure_sample(1);
    c.scope = "cgroup";
    c.cgroup = "/docker/x";
    c.psi_full_avg10 = 0.5;
    s = faultline::kmsgmon::memory_sample_of(c, "", 1);
    CHECK(s.scope == "cgroup");
    CHECK(s.cgroup == "/docker/x");
    CHECK(s.host == "unknown");  // the hub refuses an empty host
    CHECK(s.psi_full_avg10 == 0.5);
    // Whatever the monitor produced, the hub's decoder accepts it.
    faultline::MemorySampleDecoder dec;
    faultline::MemorySample back;
    faultline::SampleDecodeError err;
    CHECK(dec.decode(faultline::encode_memory_sample(s), back, err));
}

TEST_CASE("sample sender: samples reach the hub; a refusal is logged once per outage") {
    Hub hub;
    std::mutex mu;
    std::vector<std::string> logs;
    faultline::kmsgmon::SampleSenderOptions o;
    o.log = [&](std::string_view l) {
        std::lock_guard lock(mu);
        logs.emplace_back(l);
    };
    SampleSender sender(url_of(hub.port), o);
    sender.post(faultline::kmsgmon::memory_sample_of(pressure_sample(1), "vm", 1000));
    REQUIRE(eventually([&] { return hub.count() == 1; }));
    CHECK(hub.got[0].mem_available_kb == 1);
    hub.status = 400;
    for (int i = 0; i < 3; ++i) {
        sender.post(faultline::kmsgmon::memory_sample_of(pressure_sample(2), "vm", 2000 + i));
        REQUIRE(eventually([&] { return sender.stats().dropped == uint64_t(i + 1); }));
    }
    hub.status = 204;
    sender.post(faultline::kmsgmon::memory_sample_of(pressure_sample(3), "vm", 3000));
    REQUIRE(eventually([&] { return sender.stats().sent == 2; }));
    std::lock_guard lock(mu);
    REQUIRE(logs.size() == 2);
    CHECK(logs[0].find("not taken by the hub (HTTP 400") != std::string::npos);
    CHECK(logs[1] == "memory samples reach the hub again (3 dropped meanwhile)");
}

TEST_CASE("sample sender: post() never waits on a hub that does not answer") {
    // A listening socket nobody accepts from: connections complete, no answer ever comes.
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(fd, 64) == 0);
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    faultline::kmsgmon::SampleSenderOptions o;
    o.timeout = std::chrono::milliseconds(300);
    {
        SampleSender sender(url_of(ntohs(a.sin_port)), o);
        const auto t0 = Clock::now();
        for (int i = 0; i < 50; ++i)
            sender.post(faultline::kmsgmon::memory_sample_of(pressure_sample(i), "vm", 1000 + i));
        CHECK(Clock::now() - t0 < std::chrono::milliseconds(50));
        // One in flight at most; the rest replaced each other and were counted as dropped.
        REQUIRE(eventually([&] { return sender.stats().dropped == 50; }));
        CHECK(sender.stats().sent == 0);
    }  // the destructor returns within the attempt's timeout
    ::close(fd);
}
