#include "faultline/publisher.hpp"
#include "catch.hpp"
#include "receiver.hpp"

#include <set>

using namespace faultline;
using namespace std::chrono_literals;

namespace {
Event crash(int i) {
    return make_event("service_crashed",
                      JsonObject()
                          .add("service_name", "svc" + std::to_string(i))
                          .add("group_name", "g")
                          .add("from_state", "RUNNING")
                          .add("pid", i)
                          .add("expected", false)
                          .add("fatal", false)
                          .finish(),
                      Source{"supervisord", "", "", std::nullopt});
}
PublisherOptions options(const std::string& url) {
    PublisherOptions o;
    o.hub_url = url;
    o.producer = "test";
    o.backoff_min = 20ms;
    o.backoff_max = 200ms;
    o.timeout = 1000ms;
    o.log = [](std::string_view) {};
    return o;
}
}  // namespace

TEST_CASE("events reach the hub with idempotency ids") {
    test::Receiver hub;
    Publisher pub(options(hub.url()));
    for (int i = 0; i < 10; ++i) pub.publish(crash(i));
    REQUIRE(pub.flush(std::chrono::steady_clock::now() + 5s));
    auto evs = hub.events();
    REQUIRE(evs.size() == 10);
    CHECK(evs[0].id == "test-" + pub.instance() + ":1");
    CHECK(evs[9].id == "test-" + pub.instance() + ":10");
    CHECK(pub.stats().delivered == 10);
}

TEST_CASE("hub down and back: nothing lost, nothing duplicated") {
    test::Receiver hub;
    Publisher pub(options(hub.url()));
    for (int i = 0; i < 200; ++i) pub.publish(crash(i));
    hub.stop();
    for (int i = 200; i < 1000; ++i) {
        pub.publish(crash(i));
        if (i == 600) std::this_thread::sleep_for(300ms);  // retries while it is down
    }
    CHECK(pub.stats().retries > 0);
    hub.restart();
    REQUIRE(pub.flush(std::chrono::steady_clock::now() + 10s));
    auto evs = hub.events();
    REQUIRE(evs.size() == 1000);
    std::set<std::string> names;
    for (const auto& e : evs) names.insert(e.data);
    CHECK(names.size() == 1000);
    CHECK(pub.stats().dropped == 0);
}

TEST_CASE("a full outbox drops the oldest and reports the exact count") {
    test::Receiver hub;
    int port = hub.port();
    hub.stop();
    auto o = options("http://127.0.0.1:" + std::to_string(port));
    o.capacity = 100;
    o.max_batch = 10;  // events inside a POST are never dropped; the rest go oldest first
    Publisher pub(o);
    for (int i = 0; i < 350; ++i) pub.publish(crash(i));
    hub.restart();
    REQUIRE(pub.flush(std::chrono::steady_clock::now() + 10s));
    CHECK(pub.stats().dropped == 250);
    auto evs = hub.events();
    uint64_t reported = 0;
    size_t crashes = 0;
    for (const auto& e : evs) {
        if (e.type == "events_dropped") {
            CHECK(e.data.find("\"reason\":\"outbox_full\"") != std::string::npos);
            reported += std::stoull(e.data.substr(e.data.find(':') + 1));
        } else {
            ++crashes;
        }
    }
    CHECK(reported == 250);
    CHECK(crashes == 100);
    auto has = [&](const std::string& name) {
        for (const auto& e : evs)
            if (e.data.find("\"" + name + "\"") != std::string::npos) return true;
        return false;
    };
    CHECK(has("svc349"));        // the newest survived
    CHECK_FALSE(has("svc200"));  // well inside the dropped range whatever was in flight
}

TEST_CASE("flush gives up at the deadline while the hub is away") {
    test::Receiver hub;
    hub.stop();
    Publisher pub(options(hub.url()));
    pub.publish(crash(1));
    auto t0 = std::chrono::steady_clock::now();
    CHECK_FALSE(pub.flush(t0 + 300ms));
    CHECK(std::chrono::steady_clock::now() - t0 < 3s);
    CHECK(pub.stats().queued == 1);
}
