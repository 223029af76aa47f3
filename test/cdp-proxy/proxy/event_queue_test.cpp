// The relay's event queue: events reach the sink in the order pushed, from the queue's own
// thread and in batches (never in the pusher's thread while it runs); flush returns only once
// everything pushed before it is published; stop publishes what is left; a push after stop is
// published at once. Commands are built into cdp_command with the time they were observed.
#include "proxy/event_queue.hpp"

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "catch.hpp"

using namespace faultline;
using namespace faultline::proxy;
using namespace std::chrono_literals;

namespace {

struct Collected {
    std::mutex mu;
    std::vector<Event> events;
    std::vector<std::thread::id> threads;
    std::atomic<int> calls{0};

    cdp::EventSink sink() {
        return [this](Event e) {
            std::lock_guard lock(mu);
            events.push_back(std::move(e));
            threads.push_back(std::this_thread::get_id());
            ++calls;
        };
    }
    size_t size() {
        std::lock_guard lock(mu);
        return events.size();
    }
};

Event numbered(int i) {
    Event e = make_event("cdp_disconnect", "{}", Source{"test", "", "", std::nullopt});
    e.id = std::to_string(i);
    return e;
}

}  // namespace

TEST_CASE("events arrive in order, from the queue's thread, within the window") {
    Collected got;
    EventQueue q(got.sink(), Source{"cdp-proxy", "h", "", std::nullopt}, 200ms);
    q.start();
    for (int i = 0; i < 1000; ++i) q.push(numbered(i));
    CHECK(got.size() < 1000);  // the first of them waits for the window
    for (int i = 0; i < 100 && got.size() < 1000; ++i) std::this_thread::sleep_for(10ms);
    REQUIRE(got.size() == 1000);
    for (int i = 0; i < 1000; ++i) CHECK(got.events[i].id == std::to_string(i));
    for (auto id : got.threads) CHECK(id != std::this_thread::get_id());
    q.stop();
}

TEST_CASE("flush returns once everything pushed before it is published") {
    Collected got;
    EventQueue q(got.sink(), Source{"cdp-proxy", "h", "", std::nullopt}, 10s);
    q.start();
    std::thread producer([&] {
        for (int i = 0; i < 500; ++i) q.push(numbered(i));
    });
    producer.join();
    q.flush();  // a 10 s window: only the flush can have published them
    REQUIRE(got.size() == 500);
    for (int i = 0; i < 500; ++i) CHECK(got.events[i].id == std::to_string(i));
    q.push(numbered(500));
    q.stop();  // publishes the rest without waiting out the window
    REQUIRE(got.size() == 501);
    q.push(numbered(501));  // after stop: at once, in this thread
    REQUIRE(got.size() == 502);
    CHECK(got.threads.back() == std::this_thread::get_id());
}

TEST_CASE("a command is built into cdp_command at the time it was observed") {
    Collected got;
    EventQueue q(got.sink(), Source{"cdp-proxy", "vm-1", "", std::nullopt}, 10ms);
    q.start();
    CommandObserved c;
    c.connection_id = "abc-1";
    c.record.id = 7;
    c.record.method = "Page.navigate";
    c.record.command_bytes = 42;
    c.record.duration_ms = 1.5;
    c.record.reply_bytes = 9;
    c.at = timespec{1780000000, 5};
    q.push(std::move(c));
    q.flush();
    REQUIRE(got.size() == 1);
    const Event& e = got.events[0];
    CHECK(e.type == "cdp_command");
    CHECK(e.category == "control");
    CHECK(e.ts == format_rfc3339(timespec{1780000000, 5}));
    CHECK(e.source.host == "vm-1");
    CHECK(e.data == R"({"connection_id":"abc-1","id":7,"method":"Page.navigate","duration_ms":1.5,)"
                    R"("command_bytes":42,"reply_bytes":9})");
    q.stop();
}
