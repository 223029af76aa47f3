// NATS JetStream sink benchmarks, each against nats.c itself in the same run, on one real
// nats-server -js (started here on a loopback port):
//   1. throughput: the sink exporting N journaled events (journal read, filter, subject and
//      headers, async publish with bounded in flight, PubAck, cursor) against a plain loop of
//      nats.c's own js_PublishMsgAsync of the same messages (same subjects, payloads, headers
//      and Nats-Expected-Stream, same MaxPending) to the same server; ratio sink/plain (target
//      >= 0.8);
//   2. latency at 100 events/s: hub.publish() -> PubAck seen by the sink, p50/p99, with the
//      journal's group-commit window at 0 (the default: right after the previous fsync), 10
//      and 100 ms, against nats.c's own async publish -> PubAck at the same rate.
// Usage: bench_nats NATS_SERVER [EVENTS]
#include <arpa/inet.h>
#include <fmt/format.h>
#include <nats/nats.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "../cdp-proxy/hub/proxy_process.hpp"  // free_port
#include "bench_short.hpp"
#include "faultline/event.hpp"
#include "hub/hub.hpp"
#include "hub/sinks/nats/jetstream.hpp"
#include "hub/sinks/nats/subject.hpp"

namespace {

using Clock = std::chrono::steady_clock;
namespace sinks = faultline::hub::sinks;
constexpr size_t kInFlight = 256;

std::string temp_dir(const char* what) {
    auto p = std::filesystem::temp_directory_path() /
             fmt::format("faultline-bench-{}-{}", what, std::random_device{}());
    std::filesystem::create_directories(p);
    return p.string();
}

bool port_open(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(port));
    const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    close(fd);
    return ok;
}

struct NatsServer {
    pid_t pid = -1;
    int port = 0;
    std::string dir;
    explicit NatsServer(const char* exe) : port(hubtest::free_port()), dir(temp_dir("nats")) {
        pid = fork();
        if (pid == 0) {
            freopen("/dev/null", "w", stderr);
            const std::string p = std::to_string(port);
            execl(exe, exe, "-js", "-a", "127.0.0.1", "-p", p.c_str(), "-sd", dir.c_str(),
                  (char*)nullptr);
            _exit(127);
        }
        for (int i = 0; i < 400; ++i) {
            if (port_open(port)) return;
            if (waitpid(pid, nullptr, WNOHANG) == pid) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(25));
        }
        throw std::runtime_error("nats-server did not start");
    }
    ~NatsServer() {
        kill(pid, SIGTERM);
        waitpid(pid, nullptr, 0);
        std::filesystem::remove_all(dir);
    }
    std::string url() const { return fmt::format("nats://127.0.0.1:{}", port); }
};

faultline::Event crash_event(uint64_t n) {
    return faultline::make_event("service_crashed",
                                 faultline::JsonObject()
                                     .add("service_name", "svc")
                                     .add("group_name", "svc")
                                     .add("from_state", "RUNNING")
                                     .add("pid", static_cast<int64_t>(n % 100000))
                                     .add("expected", false)
                                     .add("fatal", false)
                                     .finish(),
                                 faultline::Source{"bench", "", "", std::nullopt});
}

// Counts acks (and records when each seq was acked) for the sink runs.
struct AckLog {
    std::mutex mu;
    std::condition_variable cv;
    uint64_t count = 0, want = ~uint64_t{0};
    std::vector<Clock::time_point> at;  // by seq
    Clock::time_point first{}, last{};  // first and last ack
    void ack(uint64_t seq) {
        std::lock_guard lock(mu);
        const auto now = Clock::now();
        if (seq < at.size()) at[seq] = now;
        if (++count == 1) first = now;
        last = now;
        if (count >= want) cv.notify_all();  // not per ack: a woken waiter would cost CPU
    }
    // Steady-state rate: first ack to last, so connecting and creating the stream (which the
    // sink does itself, the plain loop before its clock starts) count for neither.
    double rate() const {
        return static_cast<double>(count - 1) / std::chrono::duration<double>(last - first).count();
    }
    bool wait(uint64_t n, std::chrono::seconds within) {
        std::unique_lock lock(mu);
        want = n;
        return cv.wait_for(lock, within, [&] { return count >= n; });
    }
};

sinks::nats::NatsOptions nats_options(const std::string& url, const std::string& stream,
                                      const std::string& prefix) {
    sinks::nats::NatsOptions o;
    o.servers = url;
    o.stream = stream;
    o.subject = prefix;
    return o;
}

// A hub in-process with a journal of n events already durable.
std::unique_ptr<faultline::hub::Hub> journaled_hub(uint64_t n, uint64_t fsync_ms,
                                                   std::string& dir) {
    faultline::hub::HubOptions ho;
    ho.listen = "127.0.0.1:0";
    ho.data_dir = dir = temp_dir("hub");
    ho.host = "bench-vm";
    ho.journal_commit_ms = fsync_ms;
    ho.ring_capacity = 4096;  // smaller than n: most of the backlog is read from the journal
    auto hub = std::make_unique<faultline::hub::Hub>(ho);
    std::string error;
    if (!hub->start(error)) throw std::runtime_error(error);
    for (uint64_t i = 0; i < n; ++i) hub->publish(crash_event(i));
    while (hub->durable_seq() < n) hub->wait_durable(hub->durable_seq(), std::chrono::seconds(1));
    return hub;
}

std::unique_ptr<sinks::Sink> nats_sink(faultline::hub::Hub& hub, const std::string& url,
                                       const std::string& stream, AckLog& acks) {
    sinks::SinkOptions so;
    so.name = "nats";
    so.max_in_flight = kInFlight;
    so.on_ack = [&acks](uint64_t seq) { acks.ack(seq); };
    auto sink = std::make_unique<sinks::Sink>(hub,
                                              std::make_unique<sinks::nats::JetStreamDestination>(
                                                  nats_options(url, stream, "sink" + stream),
                                                  hub.host(), kInFlight, faultline::null_log()),
                                              so, "");
    return sink;
}

double sink_rate(const std::string& url, uint64_t n, int run) {
    std::string dir;
    auto hub = journaled_hub(n, 20, dir);
    AckLog acks;
    auto sink = nats_sink(*hub, url, fmt::format("SINK{}", run), acks);
    std::string error;
    if (!sink->start(error)) throw std::runtime_error(error);
    if (!acks.wait(n, std::chrono::seconds(120))) throw std::runtime_error("sink did not finish");
    sink->stop(Clock::now());
    hub->stop();
    std::filesystem::remove_all(dir);
    return acks.rate();
}

struct PlainJs {
    natsConnection* nc = nullptr;
    jsCtx* js = nullptr;
    AckLog* acks = nullptr;
    static void on_ack(jsCtx*, natsMsg* m, jsPubAck* pa, jsPubAckErr*, void* self) {
        const char* v = nullptr;
        natsMsgHeader_Get(m, "Faultline-Seq", &v);
        if (pa && v) static_cast<PlainJs*>(self)->acks->ack(std::stoull(v));
        natsMsg_Destroy(m);
    }
    std::string stream;
    PlainJs(const std::string& url, const std::string& name, AckLog& a) : acks(&a), stream(name) {
        natsConnection_ConnectTo(&nc, url.c_str());
        jsOptions jo;
        jsOptions_Init(&jo);
        jo.PublishAsync.MaxPending = kInFlight;
        jo.PublishAsync.AckHandler = &on_ack;
        jo.PublishAsync.AckHandlerClosure = this;
        natsConnection_JetStream(&js, nc, &jo);
        const std::string subj = "plain" + stream + ".>";
        const char* subjects[] = {subj.c_str()};
        jsStreamConfig cfg;
        jsStreamConfig_Init(&cfg);
        cfg.Name = stream.c_str();
        cfg.Subjects = subjects;
        cfg.SubjectsLen = 1;
        cfg.Storage = js_FileStorage;
        jsStreamInfo* si = nullptr;
        js_AddStream(&si, js, &cfg, nullptr, nullptr);
        jsStreamInfo_Destroy(si);
    }
    ~PlainJs() {
        jsCtx_Destroy(js);
        natsConnection_Destroy(nc);
    }
    // The same message the sink sends for this record.
    void publish(const std::string& subject, const std::string& json, const std::string& key,
                 uint64_t seq) {
        natsMsg* m = nullptr;
        natsMsg_Create(&m, subject.c_str(), nullptr, json.data(), static_cast<int>(json.size()));
        natsMsgHeader_Set(m, "Nats-Msg-Id", key.c_str());
        natsMsgHeader_Set(m, "Faultline-Seq", std::to_string(seq).c_str());
        jsPubOptions po;
        jsPubOptions_Init(&po);
        po.MaxWait = 5000;
        po.ExpectStream = stream.c_str();  // the sink's Nats-Expected-Stream header too
        while (js_PublishMsgAsync(js, &m, &po) == NATS_TIMEOUT) {
        }  // stalled at MaxPending: try again
        natsMsg_Destroy(m);
    }
};

// The messages the sink would send: subjects and envelopes of the same events.
struct Messages {
    std::vector<std::string> subjects, json, keys;
};

Messages messages(uint64_t n, const std::string& prefix) {
    Messages m;
    for (uint64_t i = 1; i <= n; ++i) {
        faultline::Event e = crash_event(i);
        e.seq = i;
        e.ts = faultline::now_rfc3339();
        e.category = "system";
        m.subjects.push_back(
            sinks::nats::event_subject(prefix, "bench-vm", "system", "service_crashed"));
        m.json.push_back(faultline::encode_event(e));
        m.keys.push_back(fmt::format("0123456789abcdef:{}", i));
    }
    return m;
}

double plain_rate(const std::string& url, uint64_t n, int run) {
    const std::string stream = fmt::format("PLAIN{}", run);
    const Messages msgs = messages(n, "plain" + stream);
    AckLog acks;
    PlainJs p(url, stream, acks);
    for (uint64_t i = 0; i < n; ++i) p.publish(msgs.subjects[i], msgs.json[i], msgs.keys[i], i + 1);
    if (!acks.wait(n, std::chrono::seconds(120))) throw std::runtime_error("plain did not finish");
    return acks.rate();
}

struct Percentiles {
    double p50 = 0, p99 = 0;
};

Percentiles percentiles(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    if (v.empty()) return {};
    return {v[v.size() / 2], v[std::min(v.size() - 1, v.size() * 99 / 100)]};
}

// hub.publish() every 10 ms for `count` events; latency to the sink's PubAck.
Percentiles sink_latency(const std::string& url, uint64_t fsync_ms, uint64_t count) {
    std::string dir;
    auto hub = journaled_hub(0, fsync_ms, dir);
    AckLog acks;
    acks.at.resize(count + 2);
    auto sink = nats_sink(*hub, url, fmt::format("LAT{}", fsync_ms), acks);
    std::string error;
    if (!sink->start(error)) throw std::runtime_error(error);
    std::vector<Clock::time_point> sent(count + 2);
    auto next = Clock::now();
    for (uint64_t i = 0; i < count; ++i) {
        std::this_thread::sleep_until(next);
        next += std::chrono::milliseconds(10);
        const auto t = Clock::now();
        sent[hub->publish(crash_event(i))] = t;
    }
    acks.wait(count, std::chrono::seconds(30));
    std::vector<double> ms;
    for (uint64_t s = 1; s <= count; ++s)
        ms.push_back(std::chrono::duration<double, std::milli>(acks.at[s] - sent[s]).count());
    sink->stop(Clock::now());
    hub->stop();
    std::filesystem::remove_all(dir);
    return percentiles(ms);
}

Percentiles plain_latency(const std::string& url, uint64_t count) {
    const Messages msgs = messages(count, "plainLATPLAIN");
    AckLog acks;
    acks.at.resize(count + 2);
    PlainJs p(url, "LATPLAIN", acks);
    std::vector<Clock::time_point> sent(count + 2);
    auto next = Clock::now();
    for (uint64_t i = 0; i < count; ++i) {
        std::this_thread::sleep_until(next);
        next += std::chrono::milliseconds(10);
        sent[i + 1] = Clock::now();
        p.publish(msgs.subjects[i], msgs.json[i], msgs.keys[i], i + 1);
    }
    acks.wait(count, std::chrono::seconds(30));
    std::vector<double> ms;
    for (uint64_t s = 1; s <= count; ++s)
        ms.push_back(std::chrono::duration<double, std::milli>(acks.at[s] - sent[s]).count());
    return percentiles(ms);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_nats NATS_SERVER [EVENTS]\n");
        return 2;
    }
    using faultline::bench::scaled;
    const uint64_t n = argc > 2 ? std::stoull(argv[2]) : static_cast<uint64_t>(scaled(20000, 500));
    const int runs = faultline::bench::short_mode() ? 1 : 5;
    NatsServer server(argv[1]);
    std::fprintf(stderr, "bench_nats: nats-server -js on %s\n", server.url().c_str());
    double best_sink = 0, best_plain = 0;
    for (int run = 0; run < runs; ++run) {  // alternate, best of five each: a shared machine
        best_plain = std::max(best_plain, plain_rate(server.url(), n, run));
        best_sink = std::max(best_sink, sink_rate(server.url(), n, run));
    }
    std::printf("throughput, %llu events, max %zu in flight (first to last PubAck, best of 5):\n",
                static_cast<unsigned long long>(n), kInFlight);
    std::printf("  plain nats.c js_PublishMsgAsync loop  %9.0f events/s\n", best_plain);
    std::printf("  faultline sink (journal -> PubAck)    %9.0f events/s\n", best_sink);
    std::printf("  ratio sink/plain                       %8.2fx (target >= 0.8: %s)\n",
                best_sink / best_plain, best_sink / best_plain >= 0.8 ? "met" : "NOT met");
    const uint64_t count = static_cast<uint64_t>(scaled(500, 20));
    const Percentiles plain = plain_latency(server.url(), count);
    std::printf("latency at 100 events/s, %llu events, publish -> PubAck:\n",
                static_cast<unsigned long long>(count));
    std::printf("  plain nats.c async publish            p50 %6.2f ms  p99 %6.2f ms\n", plain.p50,
                plain.p99);
    for (uint64_t fsync : {0, 10, 100}) {
        const Percentiles s = sink_latency(server.url(), fsync, count);
        std::printf(
            "  sink, journal commit window %3llu ms p50 %6.2f ms  p99 %6.2f ms  (%.1fx / "
            "%.1fx plain)\n",
            static_cast<unsigned long long>(fsync), s.p50, s.p99, s.p50 / plain.p50,
            s.p99 / plain.p99);
    }
    return 0;
}
