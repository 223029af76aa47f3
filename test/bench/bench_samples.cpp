// Memory samples in the hub (issue 25), each against a baseline in the same run:
//   1. the SampleStore's memory for an hour of samples at one a second (what it measures of
//      itself), against the same samples kept as plain MemorySample structs in a std::deque
//      (a lower bound of the obvious container: its strings' heap not counted), and the cost
//      of add();
//   2. the hub's event ingest rate (single-event POSTs on one keep-alive connection, journal
//      on) while a sampler posts to /telemetry/samples 100 times a second (100x kmsgmon's rate
//      under pressure), against the same ingest with no sampler, rounds alternated.
// Usage: bench_samples [POSTS_PER_ROUND]
#include <fmt/format.h>
#include <httplib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "bench_short.hpp"
#include "hub/hub.hpp"
#include "hub/samples/sample_store.hpp"
#include "hub_poster.hpp"

namespace {

using Clock = std::chrono::steady_clock;
constexpr int64_t kT0 = 1765092000000;

faultline::MemorySample sample(int64_t ts_ms, int64_t avail) {
    faultline::MemorySample s;
    s.ts_ms = ts_ms;
    s.host = "vm-bench-1";
    s.scope = "cgroup";
    s.cgroup = "/system.slice/docker-0123456789abcdef0123456789abcdef.scope";
    s.mem_total_kb = 4 << 20, s.mem_available_kb = avail;
    s.swap_total_kb = 1 << 20, s.swap_free_kb = 1 << 19;
    s.psi_some_avg10 = 3.5, s.psi_full_avg10 = 0.5;
    return s;
}

void store_memory() {
    faultline::hub::SampleStore store;
    std::deque<faultline::MemorySample> plain;
    const int n = 3600;
    const auto t0 = Clock::now();
    for (int64_t i = 0; i < n; ++i) store.add(sample(kT0 + i * 1000, i), kT0 + i * 1000);
    const double add_ns = std::chrono::duration<double, std::nano>(Clock::now() - t0).count() / n;
    for (int64_t i = 0; i < n; ++i) plain.push_back(sample(kT0 + i * 1000, i));
    const size_t ours = store.memory_bytes();
    const size_t baseline = plain.size() * sizeof(faultline::MemorySample);
    fmt::print(
        "store: an hour at 1/s = {} samples in {} bytes ({:.1f} KiB, {:.0f} B/sample); "
        "plain deque of MemorySample >= {} bytes; ratio {:.2f}; add {:.0f} ns\n",
        store.size(), ours, ours / 1024.0, double(ours) / n, baseline,
        double(ours) / double(baseline), add_ns);
    if (store.size() != static_cast<size_t>(n) || ours >= 1024 * 1024) {
        fmt::print(stderr, "bench_samples: an hour of samples does not fit in 1 MiB\n");
        std::exit(1);
    }
}

std::string event_json(uint64_t n) {
    return fmt::format(R"({{"type":"service_crashed","source":{{"kind":"bench"}},"id":"bs-{}",)"
                       R"("data":{{"service_name":"svc","group_name":"svc","from_state":"RUNNING",)"
                       R"("pid":{},"expected":false,"fatal":false}}}})",
                       n, n % 100000);
}

// Single-event POSTs back to back; events per second.
double ingest_rate(int port, int n, uint64_t& next_id) {
    faultline::bench::HubPoster poster(port, "bench_samples");
    const auto t0 = Clock::now();
    for (int i = 0; i < n; ++i) poster.post(event_json(next_id++), "application/json");
    return n / std::chrono::duration<double>(Clock::now() - t0).count();
}

// Posts a sample every 10 ms until stopped; counts the 204s.
class Sampler {
  public:
    explicit Sampler(int port)
        : thread_([this, port] {
              httplib::Client cli("127.0.0.1", port);
              cli.set_keep_alive(true);
              cli.set_tcp_nodelay(true);
              for (int64_t i = 0; !stop_; ++i) {
                  const auto now = std::chrono::system_clock::now().time_since_epoch();
                  const int64_t ms =
                      std::chrono::duration_cast<std::chrono::milliseconds>(now).count();
                  auto r =
                      cli.Post("/telemetry/samples", faultline::encode_memory_sample(sample(ms, i)),
                               "application/json");
                  (r && r->status == 204 ? ok_ : failed_)++;
                  std::this_thread::sleep_for(std::chrono::milliseconds(10));
              }
          }) {}
    ~Sampler() {
        stop_ = true;
        thread_.join();
    }
    uint64_t ok() const { return ok_; }
    uint64_t failed() const { return failed_; }

  private:
    std::atomic<bool> stop_{false};
    std::atomic<uint64_t> ok_{0}, failed_{0};
    std::thread thread_;
};

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    store_memory();

    const int posts = argc > 1 ? std::atoi(argv[1]) : int(faultline::bench::scaled(2000, 20));
    const auto dir = std::filesystem::temp_directory_path() /
                     fmt::format("faultline-bench-samples-{}", ::getpid());
    faultline::hub::HubOptions opts;
    opts.listen = "127.0.0.1:0";
    opts.data_dir = dir.string();
    int rc = 0;
    {
        faultline::hub::Hub hub(opts);
        std::string error;
        if (!hub.start(error)) {
            fmt::print(stderr, "bench_samples: {}\n", error);
            return 1;
        }
        uint64_t id = 0;
        ingest_rate(hub.port(), posts / 4 + 1, id);  // warm-up
        std::vector<double> alone, with;
        uint64_t sampled = 0, failed = 0;
        const int rounds = faultline::bench::short_mode() ? 1 : 5;
        for (int r = 0; r < rounds; ++r) {
            alone.push_back(ingest_rate(hub.port(), posts, id));
            Sampler sampler(hub.port());
            with.push_back(ingest_rate(hub.port(), posts, id));
            sampled += sampler.ok(), failed += sampler.failed();
        }
        const double a = median(alone), w = median(with);
        fmt::print(
            "ingest: {:.0f} events/s alone, {:.0f} events/s with a sampler posting "
            "100/s ({} samples taken, {} failed); ratio {:.3f}\n",
            a, w, sampled, failed, w / a);
        if (failed || sampled == 0) rc = 1;
        hub.stop();
    }
    std::filesystem::remove_all(dir);
    return rc;
}
