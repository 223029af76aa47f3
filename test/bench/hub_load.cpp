// The page benchmark's load and its timer, in C++ so that the instrument adds no pauses of its
// own (a Node reader's garbage collection delays whole batches by 10-30 ms, which is the
// p99 the benchmark compares). Posts RATE events/s in BATCH-event NDJSON batches to the hub,
// up to four in flight on keep-alive connections, and reads /telemetry/stream on another,
// timing each event from its POST to its arrival on the steady clock.
// Usage: hub_load PORT [RATE] [BATCH]. Prints "ready" once the stream is connected, then reads
// commands from stdin:
//   tag N    events posted from now on carry tag N (0: not measured)
//   report   waits (up to 30 s) until every posted event has arrived, then prints one line
//            per tag, {"tag":N,"sent":K,"post":[ms…],"sse":[ms…]}, and exits 0
// Exits 1 with a message on stderr if a POST fails or the stream ends.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <httplib.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "faultline/sse.hpp"
#include "hub_poster.hpp"

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kPosters = 4;

[[noreturn]] void fail(std::string_view why) {
    fmt::print(stderr, "hub_load: {}\n", why);
    std::exit(1);
}

double ms_since(Clock::time_point t) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

struct TagStats {
    uint64_t sent = 0;
    std::vector<double> post_ms, sse_ms;
};

// What the posters and the reader record, by tag.
class Record {
  public:
    void posted(int tag, uint64_t n, double post_ms) {
        std::lock_guard lock(mu_);
        auto& s = tags_[tag];
        s.sent += n;
        s.post_ms.push_back(post_ms);
        sent_ += n;
    }
    void arrived(int tag, double ms) {
        std::lock_guard lock(mu_);
        tags_[tag].sse_ms.push_back(ms);
        ++arrived_;
    }
    bool complete() {
        std::lock_guard lock(mu_);
        return arrived_ >= sent_;
    }
    void print() {
        std::lock_guard lock(mu_);
        for (const auto& [tag, s] : tags_)
            if (tag != 0)
                fmt::print("{{\"tag\":{},\"sent\":{},\"post\":[{:.3f}],\"sse\":[{:.3f}]}}\n", tag,
                           s.sent, fmt::join(s.post_ms, ","), fmt::join(s.sse_ms, ","));
        std::fflush(stdout);
    }

  private:
    std::mutex mu_;
    std::map<int, TagStats> tags_;
    uint64_t sent_ = 0, arrived_ = 0;
};

// Event n of a batch stamped `sent_ns` under `tag`; the producer id carries both.
std::string event_line(int tag, uint64_t n, int64_t sent_ns) {
    return fmt::format(
        R"({{"type":"service_crashed","source":{{"kind":"bench"}},"id":"b:{}:{}:{}",)"
        R"("data":{{"service_name":"svc{}","group_name":"g","from_state":"RUNNING",)"
        R"("pid":{},"expected":false,"fatal":false}}}})"
        "\n",
        tag, n, sent_ns, n % 7, n % 100000);
}

// The schedule the posters share: RATE events/s from t0, in batches of at least BATCH.
class Schedule {
  public:
    Schedule(int rate, int batch) : rate_(rate), batch_(batch) {}
    // Waits for the next batch and claims it: its first event's number and its size (a late
    // batch catches up with up to 100 events).
    std::pair<uint64_t, uint64_t> claim() {
        std::lock_guard lock(mu_);
        std::this_thread::sleep_until(
            t0_ + std::chrono::microseconds((sent_ + batch_) * 1000000 / rate_));
        const auto due = static_cast<uint64_t>(
            std::chrono::duration<double>(Clock::now() - t0_).count() * rate_);
        const uint64_t first = sent_, n = std::min<uint64_t>(due - sent_, 100);
        sent_ += n;
        return {first, n};
    }

  private:
    std::mutex mu_;
    const Clock::time_point t0_ = Clock::now();
    const uint64_t rate_, batch_;
    uint64_t sent_ = 0;
};

// One of the posters (up to kPosters batches in flight, as an acknowledgement waits for the
// journal's fsync): claims batches and posts them on its keep-alive connection until stop.
void post_loop(int port, Schedule& schedule, const std::atomic<int>& tag,
               const std::atomic<bool>& stop, Record& rec) {
    faultline::bench::HubPoster poster(port, "hub_load");
    while (!stop) {
        const auto [first, n] = schedule.claim();
        const int t = tag;
        const auto at = Clock::now();
        std::string body;
        for (uint64_t i = 0; i < n; ++i)
            body += event_line(t, first + i, at.time_since_epoch().count());
        poster.post(body, "application/x-ndjson");
        rec.posted(t, n, ms_since(at));
    }
}

// Times one event's data: the tag and the stamp from its producer id "b:TAG:N:NS".
void take(std::string_view data, Record& rec) {
    const auto at = data.find("\"id\":\"b:");
    if (at == std::string_view::npos) return;
    const char* p = data.data() + at + 8;
    const char* end = data.data() + data.size();
    int tag = 0;
    int64_t n = 0, sent_ns = 0;
    p = std::from_chars(p, end, tag).ptr + 1;
    p = std::from_chars(p, end, n).ptr + 1;
    std::from_chars(p, end, sent_ns);
    const auto sent = Clock::time_point(Clock::duration(sent_ns));
    rec.arrived(tag, std::chrono::duration<double, std::milli>(Clock::now() - sent).count());
}

// Reads the stream from its newest event for good (the process exits under it); `connected`
// once the hub answered.
void read_loop(int port, std::atomic<bool>& connected, Record& rec) {
    httplib::Client cli("127.0.0.1", port);
    cli.set_read_timeout(60, 0);
    faultline::SseParser parser([&](const faultline::SseEvent& e) { take(e.data, rec); });
    auto res = cli.Get(
        "/telemetry/stream",
        [&](const httplib::Response& r) { return connected = r.status == 200; },
        [&](const char* d, size_t n) {
            parser.feed(std::string_view(d, n));
            return true;
        });
    fail(res ? "the stream ended" : "GET /telemetry/stream failed");
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) fail("usage: hub_load PORT [RATE] [BATCH]");
    const int port = std::atoi(argv[1]);
    const int rate = argc > 2 ? std::atoi(argv[2]) : 1000;
    const int batch = argc > 3 ? std::atoi(argv[3]) : 10;
    Record rec;
    std::atomic<int> tag{0};
    std::atomic<bool> stop{false}, connected{false};
    std::thread reader(read_loop, port, std::ref(connected), std::ref(rec));
    while (!connected) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    Schedule schedule(rate, batch);
    std::vector<std::thread> posters;
    for (int i = 0; i < kPosters; ++i)
        posters.emplace_back(post_loop, port, std::ref(schedule), std::cref(tag), std::cref(stop),
                             std::ref(rec));
    fmt::print("ready\n");
    std::fflush(stdout);
    std::string line;
    while (std::getline(std::cin, line) && line != "report")
        if (line.rfind("tag ", 0) == 0) tag = std::atoi(line.c_str() + 4);
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    stop = true;
    for (auto& p : posters) p.join();
    while (!rec.complete() && Clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (!rec.complete()) fail("not every posted event reached the stream within 30 s");
    rec.print();
    std::_Exit(0);  // the reader is blocked in its read; nothing of it needs unwinding
}
