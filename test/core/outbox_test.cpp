#include "faultline/outbox.hpp"
#include "catch.hpp"

#include <string>

using faultline::Outbox;

namespace {
// Drains the outbox batch by batch and returns everything it held, in order.
std::string drain(Outbox& o, size_t max_events = 1000, size_t max_bytes = 1 << 20) {
    std::string all;
    while (!o.empty()) {
        size_t n = 0;
        all.append(o.front_batch(max_events, max_bytes, n));
        REQUIRE(n > 0);
        o.pop_front(n);
    }
    return all;
}
}  // namespace

TEST_CASE("events come out as NDJSON in the order they went in") {
    Outbox o;
    CHECK(o.empty());
    o.push("{\"a\":1}");
    o.push("{\"b\":2}");
    CHECK(o.size() == 2);
    size_t n = 0;
    CHECK(o.front_batch(10, 1000, n) == "{\"a\":1}\n{\"b\":2}\n");
    CHECK(n == 2);
    o.pop_front(1);
    CHECK(o.front_batch(10, 1000, n) == "{\"b\":2}\n");
    o.pop_front(1);
    CHECK(o.empty());
    CHECK(o.front_batch(10, 1000, n).empty());
    CHECK(n == 0);
}

TEST_CASE("a batch respects the event and byte limits, but always holds one event") {
    Outbox o;
    for (int i = 0; i < 5; ++i) o.push(std::string(9, char('a' + i)));  // 10 bytes with \n
    size_t n = 0;
    CHECK(o.front_batch(3, 1000, n).size() == 30);
    CHECK(n == 3);
    CHECK(o.front_batch(10, 25, n).size() == 20);
    CHECK(n == 2);
    CHECK(o.front_batch(10, 4, n) == "aaaaaaaaa\n");  // larger than max_bytes, sent alone
    CHECK(n == 1);
}

TEST_CASE("batches never cross a chunk, and chunks are filled without moving") {
    Outbox o(32);
    for (int i = 0; i < 10; ++i) o.push(std::string(9, char('a' + i)));
    size_t n = 0;
    auto first = o.front_batch(100, 1000, n);
    CHECK((n >= 3 && n < 10));  // a 32-byte chunk holds 3 of these, not all 10
    const char* where = first.data();
    for (int i = 0; i < 100; ++i) o.push("later");  // a view stays valid while others arrive
    CHECK(o.front_batch(100, 1000, n).data() == where);
    std::string want;
    for (int i = 0; i < 10; ++i) want += std::string(9, char('a' + i)) + "\n";
    for (int i = 0; i < 100; ++i) want += "later\n";
    CHECK(drain(o) == want);
}

TEST_CASE("an event larger than a chunk gets a chunk of its own") {
    Outbox o(16);
    o.push("small");
    o.push(std::string(100, 'x'));
    o.push("tail");
    CHECK(drain(o) == "small\n" + std::string(100, 'x') + "\ntail\n");
}

TEST_CASE("erase removes one event and leaves a view of the events before it intact") {
    Outbox o(32);
    for (int i = 0; i < 7; ++i) o.push(std::to_string(i) + "xxxxxxx");  // 9 bytes each
    size_t n = 0;
    auto in_flight = o.front_batch(2, 1000, n);
    const std::string before(in_flight);
    o.erase(2);  // same chunk, after the view
    CHECK(in_flight == before);
    o.erase(2);  // first event of the second chunk
    o.erase(4);  // the last one
    CHECK(o.size() == 4);
    CHECK(drain(o) == "0xxxxxxx\n1xxxxxxx\n4xxxxxxx\n5xxxxxxx\n");
}

TEST_CASE("erasing every event empties the outbox and it still works afterwards") {
    Outbox o(16);
    for (int i = 0; i < 4; ++i) o.push("abcdef");  // 2 per chunk
    while (!o.empty()) o.erase(o.size() - 1);
    o.push("again");
    CHECK(drain(o) == "again\n");
}
