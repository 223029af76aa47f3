// Core benchmarks: ring publish rate with 1 and 4 publishers, envelope encode and decode rate.
// Prints a table; the baseline row of each group is a plain mutex-protected counter / string
// copy measured in the same run, so the ratios hold when the machine's speed drifts.
#include <fmt/format.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "bench_short.hpp"
#include "faultline/event_decode.hpp"
#include "faultline/ring.hpp"

using namespace faultline;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Rate (ops/s) of `threads` threads each calling op() n times.
template <class Op>
double rate(int threads, long n, Op op) {
    auto t0 = Clock::now();
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t)
        ts.emplace_back([&] {
            for (long i = 0; i < n; ++i) op();
        });
    for (auto& t : ts) t.join();
    return double(n) * threads / seconds_since(t0);
}

Event sample() {
    Event e = make_event(
        "system_oom_kill",
        JsonObject()
            .add("pid", 4242)
            .add("process_name", "Web Content")
            .add("uid", 1000)
            .add("anon_rss_kb", 2374940)
            .add("constraint", "CONSTRAINT_MEMCG")
            .add("message", "Out of memory: Killed process 4242 (Web Content) total-vm:47513932kB")
            .finish(),
        Source{"kmsg", "vm-1", "", std::nullopt});
    e.id = "kmsgmon-3f2a:17";
    e.seq = 42;
    return e;
}

}  // namespace

int main() {
    const long kRingOps = faultline::bench::scaled(2'000'000),
               kCodecOps = faultline::bench::scaled(300'000);
    fmt::print("{:<44} {:>14} {:>10}\n", "benchmark", "ops/s", "ratio");
    auto row = [](const std::string& name, double r, double base) {
        fmt::print("{:<44} {:>14.0f} {:>10.2f}\n", name, r, r / base);
    };
    for (int threads : {1, 4}) {
        std::mutex mu;
        uint64_t counter = 0;
        double base = rate(threads, kRingOps / threads, [&] {
            std::lock_guard l(mu);
            ++counter;
        });
        Ring<std::shared_ptr<const std::string>> ring(65536);
        auto payload = std::make_shared<const std::string>("x");
        double r = rate(threads, kRingOps / threads,
                        [&] { ring.publish([&](uint64_t) { return payload; }); });
        row(fmt::format("baseline: mutex counter, {} thread(s)", threads), base, base);
        row(fmt::format("ring publish, {} publisher(s)", threads), r, base);
    }
    Event e = sample();
    std::string line = encode_event(e);
    std::string copy;
    // Encode baseline: fmt formatting of the same fields without escaping or structure.
    double enc_base = rate(1, kCodecOps, [&] {
        copy = fmt::format("{}{}{}{}{}{}", e.seq, e.ts, e.type, e.category, e.id, e.data);
    });
    double enc = rate(1, kCodecOps, [&] { copy = encode_event(e); });
    // Decode baseline: a plain simdjson DOM parse of the same line (full JSON validation).
    simdjson::dom::parser dom;
    simdjson::padded_string padded(line);
    double dec_base = rate(1, kCodecOps, [&] { (void)dom.parse(padded).error(); });
    EventDecoder dec;
    Event out;
    DecodeError err;
    double decr = rate(1, kCodecOps, [&] { dec.decode(line, out, err); });
    row(fmt::format("baseline: fmt concat of the fields ({} B)", line.size()), enc_base, enc_base);
    row("envelope encode", enc, enc_base);
    row("baseline: simdjson DOM parse of the envelope", dec_base, dec_base);
    row("envelope decode + schema validation", decr, dec_base);
    return 0;
}
