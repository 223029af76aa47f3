// The hub's sample store: an hour at one sample a second fits in under 1 MiB, old samples
// expire, the count and the origins are bounded, queries come back oldest first.
#include "hub/samples/sample_store.hpp"
#include "catch.hpp"

using faultline::MemorySample;
using faultline::hub::SampleStore;
using faultline::hub::SampleStoreOptions;

namespace {

constexpr int64_t kT0 = 1765092000000;  // some wall-clock ms
constexpr int64_t kHour = 3600 * 1000;

MemorySample sample(int64_t ts_ms, int64_t avail_kb, std::string host = "vm-1") {
    MemorySample s;
    s.ts_ms = ts_ms;
    s.host = std::move(host);
    s.scope = "cgroup";
    // A long cgroup path (beyond the small-string buffer), as in a real container.
    s.cgroup = "/system.slice/docker-0123456789abcdef0123456789abcdef0123456789abcdef.scope";
    s.mem_total_kb = 2 << 20, s.mem_available_kb = avail_kb;
    s.swap_total_kb = 1 << 20, s.swap_free_kb = 1 << 19;
    s.psi_some_avg10 = 1.25;
    return s;
}

}  // namespace

TEST_CASE("sample store: one hour at one sample a second fits, in under 1 MiB") {
    SampleStore store;
    for (int64_t i = 0; i < 3600; ++i) store.add(sample(kT0 + i * 1000, i), kT0 + i * 1000);
    const int64_t now = kT0 + 3599 * 1000;
    CHECK(store.size() == 3600);
    const auto all = store.since(0, now);
    REQUIRE(all.size() == 3600);
    CHECK(all.front().ts_ms == kT0);
    CHECK(all.back().mem_available_kb == 3599);
    CHECK(all.back().cgroup == sample(0, 0).cgroup);
    CHECK(all.back().psi_some_avg10 == 1.25);
    CHECK_FALSE(all.back().psi_full_avg10);  // unknown stays unknown
    const size_t bytes = store.memory_bytes();
    INFO("memory for an hour of samples: " << bytes << " bytes");
    CHECK(bytes < 1024 * 1024);
    CHECK(bytes > 3600 * 56);  // measured, not a constant: at least the samples themselves
    CHECK(store.stats().expired == 0);
    CHECK(store.stats().evicted == 0);
}

TEST_CASE("sample store: samples older than the window expire, since_ms is exclusive") {
    SampleStore store;
    for (int64_t i = 0; i < 10; ++i) store.add(sample(kT0 + i * 1000, i), kT0 + i * 1000);
    CHECK(store.since(kT0 + 7000, kT0 + 9000).size() == 2);  // 8 s and 9 s
    // An hour and 5.5 s after the first one: the first six are gone, from queries and memory.
    const int64_t later = kT0 + kHour + 5500;
    const auto left = store.since(0, later);
    REQUIRE(left.size() == 4);
    CHECK(left.front().ts_ms == kT0 + 6000);
    store.add(sample(later, 99), later);
    CHECK(store.size() == 5);
    CHECK(store.stats().expired == 6);
    // A sample already older than the window is not kept (but is still the latest heard).
    store.add(sample(kT0, 1), later);
    CHECK(store.size() == 5);
    CHECK(store.latest()->ts_ms == kT0);
    // Nothing new for an hour: queries are empty, latest stays for /metrics to age.
    CHECK(store.since(0, later + 2 * kHour).empty());
    REQUIRE(store.latest());
}

TEST_CASE("sample store: bounded by count, the oldest go first") {
    SampleStore store(SampleStoreOptions{kHour, 100, 8});
    for (int64_t i = 0; i < 250; ++i) store.add(sample(kT0 + i * 10, i), kT0 + i * 10);
    CHECK(store.size() == 100);
    const auto all = store.since(0, kT0 + 2500);
    REQUIRE(all.size() == 100);
    CHECK(all.front().mem_available_kb == 150);
    CHECK(all.back().mem_available_kb == 249);
    CHECK(store.stats().evicted == 150);
}

TEST_CASE("sample store: origins are bounded; two samplers interleave in time order") {
    SampleStore store(SampleStoreOptions{kHour, 1000, 2});
    store.add(sample(kT0 + 2000, 1, "a"), kT0);
    store.add(sample(kT0 + 1000, 2, "b"), kT0 + 1);  // b's clock is behind a's
    store.add(sample(kT0 + 3000, 3, "a"), kT0 + 2);
    auto all = store.since(0, kT0 + 3000);
    REQUIRE(all.size() == 3);
    CHECK(all[0].host == "b");
    CHECK(all[1].host == "a");
    CHECK(all[2].ts_ms == kT0 + 3000);
    // A third origin evicts the one heard from least recently (b) with its samples.
    store.add(sample(kT0 + 4000, 4, "c"), kT0 + 3);
    all = store.since(0, kT0 + 4000);
    REQUIRE(all.size() == 3);
    for (const auto& s : all) CHECK(s.host != "b");
    CHECK(all.back().host == "c");
    // Many distinct origins with long strings: memory stays bounded.
    for (int i = 0; i < 500; ++i) {
        MemorySample s = sample(kT0 + 5000 + i, i, std::string(255, 'h') + std::to_string(i));
        s.cgroup = std::string(1024, 'c');
        store.add(s, kT0 + 5000 + i);
    }
    CHECK(store.memory_bytes() < 1024 * 1024);
}

TEST_CASE("sample store: host scope samples keep no cgroup") {
    SampleStore store;
    MemorySample s = sample(kT0, 5);
    s.scope = "host";
    s.cgroup.clear();
    s.psi_some_avg10.reset();
    s.psi_full_avg10 = 0.5;
    store.add(s, kT0);
    const auto all = store.since(0, kT0);
    REQUIRE(all.size() == 1);
    CHECK(faultline::encode_memory_sample(all[0]) == faultline::encode_memory_sample(s));
}
