// The SSE framing of GET /telemetry/stream, driven through its content provider without a
// server: the retry hint first, one frame per event (id = seq, event = type), notices framed
// like events, never-assigned seqs not framed at all, a heartbeat when idle, 400 and the reader
// cap, the end of every stream at finish(), and ?batch_ms (events that come within a batch go
// out in one write).
#include <atomic>
#include <mutex>
#include <optional>
#include <thread>

#include "../test_support.hpp"
#include "catch.hpp"
#include "faultline/sse.hpp"
#include "hub/http/sse_stream.hpp"
#include "hub/store/journal.hpp"

using namespace faultline;
using namespace faultline::hub;
using Clock = std::chrono::steady_clock;

namespace {
// A record as the hub writes it (the leading fields a journal reader takes without decoding).
std::string envelope(uint64_t seq) {
    return fmt::format(
        R"({{"seq":{},"ts":"2026-01-01T00:00:00Z","type":"cdp_connect","category":"cdp",)"
        R"("source":{{"kind":"hub"}},"data":{{}}}})",
        seq);
}

RecordPtr record(uint64_t seq) {
    return std::make_shared<const Record>(Record{seq, "cdp_connect", "cdp", envelope(seq), 0});
}

// One response's stream, stepped by hand.
struct Stream {
    httplib::Response res;
    std::string out;
    bool done = false;
    httplib::DataSink sink;
    Stream(SseStreams& s, httplib::Request req) {
        s.handle(req, res);
        sink.write = [this](const char* d, size_t n) {
            out.append(d, n);
            return true;
        };
        sink.is_writable = [] { return true; };
        sink.done = [this] { done = true; };
    }
    // ~Response calls the releaser itself (once: calling it here too released twice).
    bool step() { return res.content_provider_(0, 0, sink); }
};

httplib::Request request(const std::string& since) {
    httplib::Request req;
    if (!since.empty()) req.params.emplace("since", since);
    return req;
}
}  // namespace

TEST_CASE("sse: retry hint, one frame per event, nothing for never-assigned seqs") {
    const std::string dir = hubtest::temp_dir();
    JournalOptions jo;
    jo.dir = dir;
    {
        Journal j(jo);
        JournalRecovery rec;
        std::string err;
        REQUIRE(j.open(16, rec, err));
        REQUIRE(j.append(record(1)));
        REQUIRE(j.sync(Clock::now() + std::chrono::seconds(5)));
    }
    {
        SeqReserve r(dir + "/seq.reserve");
        std::string what;
        REQUIRE(r.persist(50, what) == 0);  // as a crash leaves it
    }
    Journal j(jo);
    JournalRecovery rec;
    std::string err;
    REQUIRE(j.open(16, rec, err));
    RecordRing ring(16, rec.next_seq);
    ring.publish([](uint64_t s) { return record(s); });  // 51
    Metrics m;
    SseStreams streams(ring, &j, m, Source{}, SseOptions{4, std::chrono::milliseconds(50), 1500});
    {
        std::optional<Stream> stream;
        Stream& s = stream.emplace(streams, request("0"));
        REQUIRE(s.res.status == -1);  // not refused: streaming
        CHECK(s.res.get_header_value("Cache-Control") == "no-cache");
        for (int i = 0; i < 4; ++i) REQUIRE(s.step());
        CHECK(s.out.starts_with(sse_retry(1500)));
        const std::string expect = sse_retry(1500) + sse_frame(1, "cdp_connect", envelope(1)) +
                                   sse_frame(51, "cdp_connect", envelope(51));
        CHECK(s.out.substr(0, expect.size()) == expect);
        CHECK(s.out.find("events_dropped") == std::string::npos);
        // Idle past the heartbeat interval: a comment keeps the connection alive.
        std::this_thread::sleep_for(std::chrono::milliseconds(60));
        s.out.clear();
        REQUIRE(s.step());
        CHECK(s.out == sse_comment("heartbeat"));
        // finish(): the stream ends once it has everything up to the final seq.
        std::thread fin([&] { streams.finish(51, Clock::now() + std::chrono::seconds(2)); });
        for (int i = 0; i < 50 && !s.done; ++i) s.step();
        CHECK(s.done);
        stream.reset();
        CHECK(stream.emplace(streams, request("0")).res.status == 503);  // after finish: refused
        fin.join();
    }
    j.close();
    std::filesystem::remove_all(dir);
}

TEST_CASE("sse: a bad query is 400 naming the parameter; past the cap 503 with Retry-After") {
    RecordRing ring(16);
    Metrics m;
    SseStreams streams(ring, nullptr, m, Source{}, SseOptions{1, std::chrono::seconds(15), 3000});
    Stream bad(streams, request("x"));
    CHECK(bad.res.status == 400);
    CHECK(bad.res.body.find("since") != std::string::npos);
    Stream one(streams, request(""));
    CHECK(one.res.status == -1);
    CHECK(streams.subscribers() == 1);
    Stream two(streams, request(""));
    CHECK(two.res.status == 503);
    CHECK(two.res.get_header_value("Retry-After") == "5");
    CHECK(streams.subscribers() == 1);
}

TEST_CASE("sse: with batch_ms, what comes within a batch goes out in one write") {
    RecordRing ring(1024);
    Metrics m;
    SseStreams streams(ring, nullptr, m, Source{}, SseOptions{4, std::chrono::seconds(15), 3000});
    for (int batch : {0, 300}) {
        httplib::Request req = request(std::to_string(ring.last_seq()));
        req.params.emplace("batch_ms", std::to_string(batch));
        Stream s(streams, req);
        INFO(s.res.body);
        REQUIRE(s.res.status == -1);
        std::mutex mu;  // the worker writes, this thread reads
        int writes = 0;
        s.sink.write = [&](const char* d, size_t n) {
            std::lock_guard lock(mu);
            s.out.append(d, n);
            ++writes;
            return true;
        };
        const uint64_t first = ring.last_seq() + 1;
        // 30 events, one every 10 ms, while the stream is stepped as its worker thread does.
        std::atomic<bool> stop{false}, failed{false};
        std::thread worker([&] {
            while (!stop)
                if (!s.step()) failed = true;
        });
        const auto t0 = Clock::now();
        for (int i = 0; i < 30; ++i) {
            ring.publish([](uint64_t seq) { return record(seq); });
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        const auto elapsed_ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
        const std::string last_id = fmt::format("id: {}\n", ring.last_seq());
        auto has_last = [&] {
            std::lock_guard lock(mu);
            return s.out.find(last_id) != std::string::npos;
        };
        for (int i = 0; i < 200 && !has_last(); ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        stop = true;
        worker.join();
        CHECK_FALSE(failed);
        std::string expect = sse_retry(3000);
        for (uint64_t seq = first; seq <= ring.last_seq(); ++seq)
            expect += sse_frame(seq, "cdp_connect", envelope(seq));
        CHECK(s.out == expect);  // every event, once, in order
        if (batch == 0)
            CHECK(writes >= 10);  // each soon after it came
        else
            CHECK(writes <= 2 + elapsed_ms / batch);  // the hint, then one write per batch
    }
    CHECK(streams.subscribers() == 0);  // each stream released once
}

TEST_CASE("sse: with batch_ms, a batch of more events than one read takes goes out whole") {
    RecordRing ring(32768);
    Metrics m;
    SseStreams streams(ring, nullptr, m, Source{}, SseOptions{4, std::chrono::seconds(15), 3000});
    httplib::Request req = request(std::to_string(ring.last_seq()));
    req.params.emplace("batch_ms", "1000");
    Stream s(streams, req);
    REQUIRE(s.res.status == -1);
    int writes = 0;
    s.sink.write = [&](const char* d, size_t n) {
        s.out.append(d, n);
        ++writes;
        return true;
    };
    // 20,000 events came before the first step (the stream reads 256 at a time, up to 64
    // reads a write): the first write of events carries 16,384 of them, not 256 with the rest
    // a batch (1 s) apart each, and the rest follow in the next step, without waiting a batch.
    for (int i = 0; i < 20000; ++i) ring.publish([](uint64_t seq) { return record(seq); });
    const auto t0 = Clock::now();
    REQUIRE(s.step());
    CHECK(writes == 2);  // the retry hint, then the first 16,384 events
    CHECK(s.out.find("id: 16384\n") != std::string::npos);
    CHECK(s.out.find("id: 16385\n") == std::string::npos);
    REQUIRE(s.step());
    CHECK(writes == 3);
    CHECK(Clock::now() - t0 < std::chrono::milliseconds(500));
    std::string expect = sse_retry(3000);
    for (uint64_t seq = 1; seq <= 20000; ++seq)
        expect += sse_frame(seq, "cdp_connect", envelope(seq));
    CHECK(s.out == expect);  // every event, once, in order
}
