#include "faultline/ring.hpp"
#include "catch.hpp"

#include <atomic>
#include <thread>

using faultline::Ring;

TEST_CASE("publish assigns consecutive seqs and readers read after a cursor") {
    Ring<uint64_t> r(8);
    for (int i = 0; i < 5; ++i) r.publish([](uint64_t s) { return s * 10; });
    std::vector<uint64_t> out;
    auto res = r.read_after(2, 100, out);
    CHECK(out == std::vector<uint64_t>{30, 40, 50});
    CHECK(res.missed == 0);
    CHECK(res.next_after == 5);
    out.clear();
    res = r.read_after(5, 100, out);
    CHECK(out.empty());
    CHECK(res.next_after == 5);
}

TEST_CASE("a reader that fell behind learns the exact number it missed") {
    Ring<uint64_t> r(4);
    for (int i = 0; i < 10; ++i) r.publish([](uint64_t s) { return s; });
    CHECK(r.oldest_seq() == 7);
    CHECK(r.size() == 4);
    std::vector<uint64_t> out;
    auto res = r.read_after(2, 2, out);
    CHECK(res.missed == 4);  // seqs 3..6 are gone
    CHECK(res.missed_from == 3);
    CHECK(out == std::vector<uint64_t>{7, 8});
    CHECK(res.next_after == 8);
}

TEST_CASE("seq continues from a given first seq") {
    Ring<int> r(4, 1001);
    CHECK(r.last_seq() == 1000);
    CHECK(r.publish([](uint64_t) { return 1; }) == 1001);
    std::vector<int> out;
    auto res = r.read_after(0, 10, out);
    CHECK(res.missed == 1000);  // 1..1000 are not held here (the hub resumes them from its journal)
    CHECK(res.missed_from == 1);
    CHECK(out.size() == 1);
}

TEST_CASE("wait_after wakes on publish and on close") {
    Ring<int> r(4);
    std::thread t([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        r.publish([](uint64_t) { return 1; });
    });
    CHECK(r.wait_after(0, std::chrono::seconds(5)));
    t.join();
    CHECK_FALSE(r.wait_after(1, std::chrono::milliseconds(20)));
    std::thread c([&] { r.close(); });
    CHECK_FALSE(r.wait_after(1, std::chrono::seconds(5)));
    c.join();
}

TEST_CASE("many publishers and readers: strictly increasing seq, no duplicates, exact drops") {
    constexpr int kPublishers = 4, kReaders = 4, kPerPublisher = 50000;
    Ring<uint64_t> r(1024);
    std::atomic<bool> done{false};
    struct ReaderResult {
        uint64_t seen = 0, missed = 0;
        bool ordered = true;
    };
    std::vector<ReaderResult> results(kReaders);
    std::vector<std::thread> readers;
    for (int i = 0; i < kReaders; ++i)
        readers.emplace_back([&, i] {
            uint64_t cursor = 0;
            std::vector<uint64_t> batch;
            while (true) {
                bool finished = done.load();
                batch.clear();
                auto res = r.read_after(cursor, 64 << i, batch);
                results[i].missed += res.missed;
                for (uint64_t v : batch) {
                    if (v <= cursor) results[i].ordered = false;
                    cursor = v;
                    ++results[i].seen;
                }
                if (batch.empty()) {
                    if (finished) break;
                    r.wait_after(cursor, std::chrono::milliseconds(5));
                }
                if (i == 3) std::this_thread::yield();  // one slow reader
            }
        });
    std::vector<std::thread> publishers;
    for (int p = 0; p < kPublishers; ++p)
        publishers.emplace_back([&] {
            for (int k = 0; k < kPerPublisher; ++k) r.publish([](uint64_t s) { return s; });
        });
    for (auto& t : publishers) t.join();
    done = true;
    for (auto& t : readers) t.join();
    const uint64_t total = uint64_t{kPublishers} * kPerPublisher;
    CHECK(r.last_seq() == total);
    for (const auto& res : results) {
        CHECK(res.ordered);
        CHECK(res.seen + res.missed == total);  // every seq either delivered once or counted
    }
}
