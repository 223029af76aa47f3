// Telemetry hub benchmarks, each against a baseline in the same run:
//   1. ingest rate of single-event POSTs (one keep-alive connection) and of 1,000-event
//      NDJSON batches, hub (validation, dedup, ring, journal with batched fsync) against a
//      null cpp-httplib server that accepts and discards the same requests;
//   2. group commit: 8 producers POSTing 20-event batches concurrently, hub (each answer
//      waits until its batch is durable; concurrent batches share one fdatasync) against the
//      null server, with the fdatasyncs per batch; and the acknowledgement latency of a single
//      POST (p50/p99): hub with journal, hub without journal, null server;
//   3. publish-to-delivery latency (POST sent -> event parsed by an SSE reader) p50/p99 with
//      1 and 32 readers, against the round trip of the same POST to the null server.
// Usage: bench_hub [SINGLE_POSTS] [BATCHES]
#include <fmt/format.h>
#include <httplib.h>

#include <unistd.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bench_short.hpp"
#include "faultline/sse.hpp"
#include "hub/http/listener.hpp"
#include "hub/hub.hpp"
#include "hub_poster.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

// A valid service_crashed event with a unique id (the hub deduplicates by id).
std::string event_json(uint64_t n) {
    return fmt::format(R"({{"type":"service_crashed","source":{{"kind":"bench"}},"id":"bench-{}",)"
                       R"("data":{{"service_name":"svc","group_name":"svc","from_state":"RUNNING",)"
                       R"("pid":{},"expected":false,"fatal":false}}}})",
                       n, n % 100000);
}

// The baseline: accepts POST /telemetry/events and answers like the hub, storing nothing. Its
// listener is the hub's: the same worker budget and listen backlog (cpp-httplib's compiled-in
// backlog of 5 would make concurrent producers wait on SYN retries, not on the server).
class NullServer {
  public:
    explicit NullServer(const faultline::hub::HubOptions& like) {
        server_.Post("/telemetry/events", [](const httplib::Request&, httplib::Response& res) {
            res.set_content(R"({"accepted":1,"duplicates":0,"first_seq":1})", "application/json");
        });
        const faultline::hub::ListenerLimits limits{like.max_subscribers + like.api_workers,
                                                    like.read_timeout_seconds,
                                                    like.write_timeout_seconds};
        faultline::hub::configure_listener(server_, limits, listen_fd_);
        server_.set_tcp_nodelay(true);      // as the hub does
        server_.set_keep_alive_timeout(1);  // as the hub does
        port_ = server_.bind_to_any_port("127.0.0.1");
        std::string why;
        if (!faultline::hub::raise_backlog(listen_fd_, limits.backlog, why)) {
            fmt::print(stderr, "bench_hub: null server backlog: {}\n", why);
            std::exit(1);
        }
        thread_ = std::thread([this] { server_.listen_after_bind(); });
        while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ~NullServer() {
        server_.stop();
        thread_.join();
    }
    int port() const { return port_; }

  private:
    httplib::Server server_;
    std::atomic<int> listen_fd_{-1};
    std::thread thread_;
    int port_ = 0;
};

// Posts bodies back to back; returns the requests per second.
double post_rate(int port, const std::vector<std::string>& bodies, const char* type) {
    faultline::bench::HubPoster poster(port, "bench_hub");
    const auto t0 = Clock::now();
    for (const auto& body : bodies) poster.post(body, type);
    return static_cast<double>(bodies.size()) / seconds_since(t0);
}

// Posts n single events 2 ms apart. Returns when each was sent; rtt_ms gets each round trip.
std::vector<Clock::time_point> paced_posts(int port, int n, uint64_t& next_id,
                                           std::vector<double>& rtt_ms) {
    faultline::bench::HubPoster poster(port, "bench_hub");
    std::vector<Clock::time_point> sent;
    for (int i = 0; i < n; ++i) {
        sent.push_back(Clock::now());
        poster.post(event_json(next_id++), "application/json");
        rtt_ms.push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - sent.back()).count());
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return sent;
}

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

// One SSE reader: the arrival time of every event, by seq.
class Reader {
  public:
    Reader(int port, uint64_t since) : thread_([this, port, since] { run(port, since); }) {}
    ~Reader() {
        stop();
        thread_.join();
    }
    void stop() { stop_ = true; }  // leaves at the next event or heartbeat
    size_t count() {
        std::lock_guard lock(mu_);
        return arrivals_.size();
    }
    std::vector<std::pair<uint64_t, Clock::time_point>> arrivals() {
        std::lock_guard lock(mu_);
        return arrivals_;
    }
    bool connected() const { return connected_; }

  private:
    void run(int port, uint64_t since) {
        httplib::Client cli("127.0.0.1", port);
        cli.set_tcp_nodelay(true);
        cli.set_read_timeout(60, 0);
        faultline::SseParser parser([this](const faultline::SseEvent& e) {
            std::lock_guard lock(mu_);
            arrivals_.emplace_back(std::stoull(e.id), Clock::now());
        });
        cli.Get(
            "/telemetry/stream?since=" + std::to_string(since),
            [this](const httplib::Response&) { return connected_ = true; },
            [&](const char* d, size_t n) {
                parser.feed(std::string_view(d, n));
                return !stop_.load();
            });
    }
    std::mutex mu_;
    std::vector<std::pair<uint64_t, Clock::time_point>> arrivals_;
    std::atomic<bool> stop_{false}, connected_{false};
    std::thread thread_;
};

struct Latency {
    double p50_ms, p99_ms;
    size_t samples;
};

// Publishes n events one POST at a time (2 ms apart) while `readers` SSE readers listen.
Latency delivery_latency(faultline::hub::Hub& hub, int readers, int n, uint64_t& next_id) {
    const uint64_t since = hub.last_seq();
    std::vector<std::unique_ptr<Reader>> rs;
    for (int i = 0; i < readers; ++i) rs.push_back(std::make_unique<Reader>(hub.port(), since));
    for (auto& r : rs)
        while (!r->connected()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    std::vector<double> rtt_ms;
    const auto sent = paced_posts(hub.port(), n, next_id, rtt_ms);
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    for (auto& r : rs)
        while (r->count() < static_cast<size_t>(n) && Clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::vector<double> ms;
    for (auto& r : rs)
        for (auto [seq, at] : r->arrivals())
            if (seq > since && seq <= since + static_cast<uint64_t>(n))
                ms.push_back(std::chrono::duration<double, std::milli>(
                                 at - sent[static_cast<size_t>(seq - since - 1)])
                                 .count());
    for (auto& r : rs) r->stop();  // all at once: they leave together at the next heartbeat
    if (ms.size() != static_cast<size_t>(n) * static_cast<size_t>(readers)) {
        fmt::print(stderr, "bench_hub: {} of {} deliveries arrived\n", ms.size(), n * readers);
        std::exit(1);
    }
    return {percentile(ms, 0.5), percentile(ms, 0.99), ms.size()};
}

// Round trip of a single POST to the null server: the floor under delivery latency.
Latency null_round_trip(int port, int n, uint64_t& next_id) {
    std::vector<double> ms;
    paced_posts(port, n, next_id, ms);
    return {percentile(ms, 0.5), percentile(ms, 0.99), ms.size()};
}

// The hub's journal fdatasync count, from /metrics.
uint64_t fsyncs(int port) {
    httplib::Client cli("127.0.0.1", port);
    auto r = cli.Get("/metrics");
    const std::string key = "faultline_hub_journal_fsync_seconds_count ";
    const size_t at = r ? r->body.find(key) : std::string::npos;
    return at == std::string::npos ? 0 : std::stoull(r->body.substr(at + key.size()));
}

struct Concurrent {
    double events_per_s;
    uint64_t batches;
};

// `producers` threads each POST `per` 20-event batches back to back.
Concurrent concurrent_ingest(int port, int producers, int per, uint64_t& next_id) {
    std::vector<std::vector<std::string>> bodies(static_cast<size_t>(producers));
    for (auto& b : bodies)
        for (int i = 0; i < per; ++i) {
            std::string body;
            for (int k = 0; k < 20; ++k) body += event_json(next_id++) + "\n";
            b.push_back(std::move(body));
        }
    const auto t0 = Clock::now();
    std::vector<std::thread> threads;
    for (auto& b : bodies)
        threads.emplace_back([&b, port] { post_rate(port, b, "application/x-ndjson"); });
    for (auto& t : threads) t.join();
    const double secs = seconds_since(t0);
    const uint64_t n = static_cast<uint64_t>(producers) * static_cast<uint64_t>(per);
    return {static_cast<double>(n) * 20 / secs, n};
}

// Group commit and acknowledgement latency against the null server (see the file comment).
void group_commit(faultline::hub::Hub& hub, int null_port, uint64_t& id) {
    constexpr int kProducers = 8;
    const int kPer = static_cast<int>(faultline::bench::scaled(150, 5));
    const int acks = static_cast<int>(faultline::bench::scaled(500, 20));
    // Three rounds, alternating which server goes first; the median of each.
    std::vector<double> hub_rate, null_rate, ratio, per_batch;
    for (int round = 0; round < 3; ++round) {
        double hr = 0, nr = 0;
        auto hub_run = [&] {
            const uint64_t f0 = fsyncs(hub.port());
            const Concurrent h = concurrent_ingest(hub.port(), kProducers, kPer, id);
            per_batch.push_back(static_cast<double>(fsyncs(hub.port()) - f0) /
                                static_cast<double>(h.batches));
            hr = h.events_per_s;
        };
        auto null_run = [&] {
            nr = concurrent_ingest(null_port, kProducers, kPer, id).events_per_s;
        };
        if (round % 2 == 0)
            hub_run(), null_run();
        else
            null_run(), hub_run();
        hub_rate.push_back(hr);
        null_rate.push_back(nr);
        ratio.push_back(hr / nr);
    }
    fmt::print("group commit: {} producers x {} POSTs of 20 events, concurrently, median of 3\n",
               kProducers, kPer);
    fmt::print(
        "  null {:>9.0f} ev/s   hub {:>9.0f} ev/s   hub/null {:.2f}   {:.2f} fdatasyncs "
        "per batch\n",
        percentile(null_rate, 0.5), percentile(hub_rate, 0.5), percentile(ratio, 0.5),
        percentile(per_batch, 0.5));
    faultline::hub::HubOptions mem;
    mem.listen = "127.0.0.1:0";
    mem.data_dir = "";
    faultline::hub::Hub no_journal(mem);
    std::string error;
    if (!no_journal.start(error)) {
        fmt::print(stderr, "bench_hub: {}\n", error);
        std::exit(1);
    }
    std::vector<double> durable, memory, null_rtt;
    paced_posts(hub.port(), acks, id, durable);
    paced_posts(no_journal.port(), acks, id, memory);
    paced_posts(null_port, acks, id, null_rtt);
    no_journal.stop();
    fmt::print("acknowledgement latency of one single-event POST ({}, 2 ms apart)\n", acks);
    const double np50 = percentile(null_rtt, 0.5);
    for (auto [name, v] :
         {std::pair{"null server", &null_rtt}, std::pair{"hub, no journal", &memory},
          std::pair{"hub, durable ack", &durable}})
        fmt::print("  {:<17} p50 {:.3f} ms  p99 {:.3f} ms  (p50 {:.1f}x null)\n", name,
                   percentile(*v, 0.5), percentile(*v, 0.99), percentile(*v, 0.5) / np50);
}

}  // namespace

int main(int argc, char** argv) {
    std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress as it happens, also into a pipe
    using faultline::bench::scaled;
    const int singles = argc > 1 ? std::atoi(argv[1]) : static_cast<int>(scaled(5000));
    const int batches = argc > 2 ? std::atoi(argv[2]) : static_cast<int>(scaled(50, 2));
    const int deliveries = static_cast<int>(scaled(1000, 50));
    const auto dir =
        std::filesystem::temp_directory_path() / fmt::format("faultline-bench-hub-{}", ::getpid());
    faultline::hub::HubOptions opts;
    opts.listen = "127.0.0.1:0";
    opts.data_dir = dir.string();
    opts.heartbeat_seconds = 0.5;  // readers told to stop leave within this
    faultline::hub::Hub hub(opts);
    std::string error;
    if (!hub.start(error)) {
        fmt::print(stderr, "bench_hub: {}\n", error);
        return 1;
    }
    NullServer null_server(opts);
    uint64_t id = 0;

    // Three rounds, alternating which server goes first; the median of each. Fresh ids every
    // round: the hub would answer a repeated id from its dedup window, a cheaper path.
    std::vector<double> null_single, hub_single, null_batch, hub_batch;
    for (int round = 0; round < 3; ++round) {
        std::vector<std::string> single, batch;
        for (int i = 0; i < singles; ++i) single.push_back(event_json(id++));
        for (int b = 0; b < batches; ++b) {
            std::string body;
            for (int i = 0; i < 1000; ++i) body += event_json(id++) + "\n";
            batch.push_back(std::move(body));
        }
        auto hub_run = [&] {
            hub_single.push_back(post_rate(hub.port(), single, "application/json"));
            hub_batch.push_back(1000 * post_rate(hub.port(), batch, "application/x-ndjson"));
        };
        auto null_run = [&] {
            null_single.push_back(post_rate(null_server.port(), single, "application/json"));
            null_batch.push_back(1000 *
                                 post_rate(null_server.port(), batch, "application/x-ndjson"));
        };
        if (round % 2)
            hub_run(), null_run();
        else
            null_run(), hub_run();
    }
    fmt::print(
        "hub ingest, median of 3 rounds ({} single POSTs, {} x 1,000-event NDJSON; "
        "journal in {})\n",
        singles, batches, dir.string());
    const double ns = percentile(null_single, 0.5), hs = percentile(hub_single, 0.5);
    const double nb = percentile(null_batch, 0.5), hb = percentile(hub_batch, 0.5);
    fmt::print("  single POST   null {:>9.0f}/s    hub {:>9.0f}/s    hub/null {:.2f}\n", ns, hs,
               hs / ns);
    fmt::print("  NDJSON batch  null {:>9.0f} ev/s hub {:>9.0f} ev/s hub/null {:.2f}\n", nb, hb,
               hb / nb);

    group_commit(hub, null_server.port(), id);

    const Latency floor = null_round_trip(null_server.port(), deliveries, id);
    fmt::print("publish-to-delivery latency (POST sent -> event parsed by an SSE reader)\n");
    fmt::print("  null POST round trip    p50 {:.3f} ms  p99 {:.3f} ms\n", floor.p50_ms,
               floor.p99_ms);
    for (int readers : {1, 32}) {
        const Latency l = delivery_latency(hub, readers, deliveries, id);
        fmt::print(
            "  {:>2} SSE reader(s)       p50 {:.3f} ms  p99 {:.3f} ms  ({} deliveries; "
            "p50 {:.1f}x the null round trip)\n",
            readers, l.p50_ms, l.p99_ms, l.samples, l.p50_ms / floor.p50_ms);
    }
    hub.stop();
    std::filesystem::remove_all(dir);
    return 0;
}
