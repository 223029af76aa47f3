// POST/GET /telemetry/samples over real HTTP (a cpp-httplib server with only these routes): 204
// and the sample stored, 400 with the hub's JSON error naming the field and nothing stored,
// since_ms, the refusal hook (auth, stopping) before anything else, the clock for expiry.
#include <atomic>
#include <thread>

#include "catch.hpp"
#include "faultline/memory_sample_decode.hpp"
#include "hub/http/samples_routes.hpp"
#include "hub/samples/sample_metrics.hpp"

using faultline::hub::SampleRouteHooks;
using faultline::hub::SampleStore;

namespace {

constexpr int64_t kNow = 1765092000000;

std::string body(int64_t ts_ms, int64_t avail_kb, const char* extra = "") {
    return fmt::format(R"({{"ts_ms":{},"host":"vm-1","scope":"host","mem_total_kb":8000000,)"
                       R"("mem_available_kb":{},"swap_total_kb":0,"swap_free_kb":0{}}})",
                       ts_ms, avail_kb, extra);
}

struct Server {
    httplib::Server http;
    SampleStore store;
    std::atomic<bool> refuse{false};
    std::atomic<int> rejected{0};
    std::atomic<int64_t> now{kNow};
    std::thread thread;
    int port = 0;

    Server() {
        SampleRouteHooks hooks;
        hooks.refuse = [this](const httplib::Request&, httplib::Response& r) {
            if (!refuse) return false;
            r.status = 403;
            return true;
        };
        hooks.rejected = [this](int status) {
            if (status == 400) ++rejected;
        };
        hooks.now_ms = [this] { return now.load(); };
        faultline::hub::register_sample_routes(http, store, hooks);
        port = http.bind_to_any_port("127.0.0.1");
        thread = std::thread([this] { http.listen_after_bind(); });
        while (!http.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ~Server() {
        http.stop();
        thread.join();
    }
    httplib::Result post(const std::string& b) {
        httplib::Client c("127.0.0.1", port);
        return c.Post("/telemetry/samples", b, "application/json");
    }
    httplib::Result get(const std::string& query = "") {
        httplib::Client c("127.0.0.1", port);
        return c.Get("/telemetry/samples" + query);
    }
};

}  // namespace

TEST_CASE("samples routes: POST stores, GET returns oldest first, since_ms exclusive") {
    Server s;
    for (int64_t i = 0; i < 3; ++i) {
        auto r = s.post(body(kNow - 3000 + i * 1000, 100 + i));
        REQUIRE(r);
        CHECK(r->status == 204);
        CHECK(r->body.empty());
    }
    auto all = s.get();
    REQUIRE(all);
    CHECK(all->status == 200);
    CHECK(all->get_header_value("Content-Type") == "application/json");
    CHECK(all->body == "{\"samples\":[" + body(kNow - 3000, 100) + "," + body(kNow - 2000, 101) +
                           "," + body(kNow - 1000, 102) + "]}");
    auto newer = s.get("?since_ms=" + std::to_string(kNow - 2000));
    REQUIRE(newer);
    CHECK(newer->body == "{\"samples\":[" + body(kNow - 1000, 102) + "]}");
    CHECK(faultline::hub::render_sample_metrics(s.store, kNow)
              .find("faultline_memory_available_bytes 104448\n") != std::string::npos);
    // An hour later by the hub's clock, they have all expired.
    s.now = kNow + 3600 * 1000 + 1;
    CHECK(s.get()->body == "{\"samples\":[]}");
}

TEST_CASE("samples routes: a malformed sample gets 400 naming the field and stores nothing") {
    Server s;
    REQUIRE(s.post(body(kNow, 1))->status == 204);
    struct Case {
        std::string body, field;
    };
    for (const Case& c : std::vector<Case>{
             {body(kNow, -1), "mem_available_kb"},
             {body(kNow, 1, R"(,"psi_full_avg10":100.5)"), "psi_full_avg10"},
             {body(kNow, 1, R"(,"cgroup":"/x")"), "cgroup"},
             {"{}", "ts_ms"},
             {"[1]", ""},
             {body(kNow, 1) + "x", ""},
         }) {
        CAPTURE(c.body);
        auto r = s.post(c.body);
        REQUIRE(r);
        CHECK(r->status == 400);
        CHECK(r->get_header_value("Content-Type") == "application/json");
        CHECK(r->body.find("\"error\":\"bad memory sample: ") != std::string::npos);
        CHECK(r->body.find(c.field.empty() ? "\"field\":null" : "\"field\":\"" + c.field + "\"") !=
              std::string::npos);
    }
    CHECK(s.rejected == 6);
    CHECK(s.store.size() == 1);
    CHECK(s.store.latest()->mem_available_kb == 1);
    auto bad = s.get("?since_ms=-5");
    REQUIRE(bad);
    CHECK(bad->status == 400);
    CHECK(bad->body.find("\"field\":\"since_ms\"") != std::string::npos);
    CHECK(s.get("?since_ms=99999999999999999999")->status == 400);
}

TEST_CASE("samples routes: the refusal hook answers first and nothing is stored") {
    Server s;
    s.refuse = true;
    CHECK(s.post(body(kNow, 1))->status == 403);
    CHECK(s.get()->status == 403);
    CHECK(s.store.size() == 0);
    CHECK_FALSE(s.store.latest());
    CHECK(faultline::hub::render_sample_metrics(s.store, kNow).empty());  // no sample yet
}
