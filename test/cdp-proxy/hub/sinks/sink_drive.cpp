// sink_drive: runs the S2 writer or the OTLP exporter the way a sink runs them (events in seq
// order from a persisted cursor, the cursor moved only after the destination acknowledged),
// over synthetic events of every severity class, so the JS tests can drive the real delivery
// code against the test servers with faults, outages and kill -9.
//   sink_drive s2   --endpoint URL --basin B --stream S [--token T] [common]
//   sink_drive otlp --endpoint URL [--protocol json|protobuf] [--header K=V]... [--no-gzip]
//   common: --count N (events 1..N) --cursor FILE --cursor-every-ms MS --rate EVENTS_PER_S
//           --instance ID (idempotency keys ID:SEQ) --body-bytes B (pads one event in 100)
//           --chunk N (events handed to the writer per call, as the hub's journal reader does)
// Prints one JSON line of statistics on exit: 0 when every event was handled, 3 on a fatal
// destination error, 2 on bad arguments.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "faultline/event.hpp"
#include "faultline/log.hpp"
#include "hub/sinks/otlp/otlp_exporter.hpp"
#include "hub/sinks/s2/s2_writer.hpp"

using namespace faultline;
using namespace faultline::hub::sinks;
using Clock = std::chrono::steady_clock;

namespace {

std::atomic<bool> g_stop{false};

struct Args {
    std::string mode, endpoint, basin, stream, token, cursor, instance = "drive";
    std::string protocol = "json";
    HttpHeaders headers;
    bool gzip = true;
    uint64_t count = 1000, cursor_every_ms = 0, rate = 0, body_bytes = 0, chunk = 5000;
};

bool parse(int argc, char** argv, Args& a) {
    if (argc < 2) return false;
    a.mode = argv[1];
    for (int i = 2; i < argc; ++i) {
        std::string k = argv[i];
        if (k == "--no-gzip") {
            a.gzip = false;
            continue;
        }
        if (i + 1 >= argc) return false;
        std::string v = argv[++i];
        if (k == "--endpoint")
            a.endpoint = v;
        else if (k == "--basin")
            a.basin = v;
        else if (k == "--stream")
            a.stream = v;
        else if (k == "--token")
            a.token = v;
        else if (k == "--cursor")
            a.cursor = v;
        else if (k == "--instance")
            a.instance = v;
        else if (k == "--protocol")
            a.protocol = v;
        else if (k == "--count")
            a.count = std::stoull(v);
        else if (k == "--cursor-every-ms")
            a.cursor_every_ms = std::stoull(v);
        else if (k == "--rate")
            a.rate = std::stoull(v);
        else if (k == "--body-bytes")
            a.body_bytes = std::stoull(v);
        else if (k == "--chunk")
            a.chunk = std::max<uint64_t>(1, std::stoull(v));
        else if (k == "--header") {
            std::string err;
            if (!otlp::parse_otlp_headers(v, a.headers, err)) return false;
        } else
            return false;
    }
    return a.mode == "s2" || a.mode == "otlp";
}

// The data of event seq: a cycle over types that covers every severity rule.
Event make(uint64_t seq, const Args& a) {
    static const char* types[] = {"system_oom_kill",        "memory_pressure", "cdp_connect",
                                  "cdp_disconnect",         "service_crashed", "network_response",
                                  "network_loading_failed", "memory_pressure"};
    const std::string type = types[seq % 8];
    JsonObject d;
    if (type == "system_oom_kill") {
        d.add("pid", int64_t(1000 + seq))
            .add("process_name", "chromium")
            .add("message", "Killed process");
    } else if (type == "memory_pressure") {
        d.add("level", seq % 16 == 1 ? "critical" : "warning").add("previous_level", "ok");
        d.add("reasons", std::vector<std::string>{"psi", "swap"})
            .add("mem_total_kb", int64_t(4096000));
        d.add("psi_some_avg10", 12.5).add("eta_seconds", nullptr);
    } else if (type == "cdp_connect") {
        d.add("connection_id", "c" + std::to_string(seq)).add("client_addr", "127.0.0.1:5000");
        d.add("path", "/devtools/browser/x").add("target", "browser");
    } else if (type == "cdp_disconnect") {
        d.add("connection_id", "c" + std::to_string(seq))
            .add("reason", seq % 3 ? "upstream_error" : "client_close");
        d.add("duration_ms", int64_t(seq)).add("close_code", int64_t(1006));
    } else if (type == "service_crashed") {
        d.add("service_name", "svc \"quoted\" ü")
            .add("group_name", "g")
            .add("expected", false)
            .add("fatal", true);
    } else if (type == "network_response") {
        d.add("request_id", "r" + std::to_string(seq)).add("method", "GET");
        d.add("url", "https://example.test/p?q=" + std::to_string(seq))
            .add("status", int64_t(200 + seq % 300));
    } else {
        d.add("request_id", "r" + std::to_string(seq))
            .add("error_text", "net::ERR_FAILED")
            .add("canceled", false);
        d.add("url", "https://example.test/f");
    }
    if (a.body_bytes && seq % 100 == 0) d.add("padding", std::string(a.body_bytes, 'p'));
    Event e = make_event(type, d.finish(), Source{"drive", "vm-test", "", std::nullopt});
    if (e.category.empty()) e.category = "network";  // network_* before the schema has them
    e.seq = seq;
    e.id = "producer:" + std::to_string(seq);
    return e;
}

uint64_t read_cursor(const std::string& path) {
    std::ifstream f(path);
    uint64_t v = 0;
    if (f) f >> v;
    return v;
}

// Write-tmp, fsync, rename: a kill -9 leaves the old cursor or the new one, never a torn one.
void write_cursor(const std::string& path, uint64_t seq) {
    const std::string tmp = path + ".tmp", text = std::to_string(seq) + "\n";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return;
    if (::write(fd, text.data(), text.size()) == ssize_t(text.size())) ::fdatasync(fd);
    ::close(fd);
    ::rename(tmp.c_str(), path.c_str());
}

class Cursor {
  public:
    Cursor(std::string path, uint64_t every_ms) : path_(std::move(path)), every_(every_ms) {
        if (!path_.empty()) acked_ = read_cursor(path_);
        saved_ = acked_;
    }
    uint64_t acked() const { return acked_; }
    void advance(uint64_t seq, bool force = false) {
        acked_ = seq;
        if (path_.empty() || saved_ == acked_) return;
        if (!force && every_ && Clock::now() - last_ < std::chrono::milliseconds(every_)) return;
        write_cursor(path_, acked_);
        saved_ = acked_, last_ = Clock::now();
    }

  private:
    std::string path_;
    uint64_t every_, acked_ = 0, saved_ = 0;
    Clock::time_point last_ = Clock::now();
};

// The next chunk of events after `from` the "hub" has recorded by now (all, without --rate).
uint64_t available(const Args& a, Clock::time_point start, uint64_t first) {
    if (!a.rate) return a.count;
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    return std::min<uint64_t>(a.count, first - 1 + uint64_t(secs * double(a.rate)));
}

template <class Deliver>
void run(const Args& a, Cursor& cursor, Deliver&& deliver) {
    const auto start = Clock::now();
    const uint64_t first = cursor.acked() + 1;
    while (cursor.acked() < a.count && !g_stop) {
        const uint64_t upto = std::min(available(a, start, first), cursor.acked() + a.chunk);
        if (upto <= cursor.acked()) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
            continue;
        }
        if (!deliver(cursor.acked() + 1, upto)) break;
    }
    cursor.advance(cursor.acked(), true);
}

int run_s2(const Args& a, Cursor& cursor) {
    s2::S2Options o;
    o.endpoint = a.endpoint, o.basin = a.basin, o.stream = a.stream, o.token = a.token;
    o.timeout = std::chrono::milliseconds(1000);
    o.log = stderr_log("sink_drive: sink s2");
    s2::S2Writer w(o);
    std::string error;
    if (!w.open(error)) return std::fprintf(stderr, "sink_drive: %s\n", error.c_str()), 2;
    run(a, cursor, [&](uint64_t from, uint64_t to) {
        std::vector<s2::S2Record> recs;
        for (uint64_t s = from; s <= to; ++s) {
            Event e = make(s, a);
            recs.push_back({s, e.type, a.instance + ":" + std::to_string(s), encode_event(e)});
        }
        w.deliver(recs, g_stop, [&](uint64_t seq) { cursor.advance(seq); });
        return w.fatal_error().empty();
    });
    const auto& s = w.stats();
    std::printf(
        "{\"acked\":%llu,\"appended\":%llu,\"appends\":%llu,\"retries\":%llu,\"conflicts\":%llu,"
        "\"recovered\":%llu,\"oversized\":%llu,\"fatal\":%s}\n",
        (unsigned long long)cursor.acked(), (unsigned long long)s.appended.load(),
        (unsigned long long)s.appends.load(), (unsigned long long)s.retries.load(),
        (unsigned long long)s.conflicts.load(), (unsigned long long)s.recovered.load(),
        (unsigned long long)s.oversized.load(), json_string(w.fatal_error()).c_str());
    return w.fatal_error().empty() ? 0 : 3;
}

int run_otlp(const Args& a, Cursor& cursor) {
    otlp::OtlpOptions o;
    o.endpoint = a.endpoint, o.headers = a.headers, o.gzip = a.gzip;
    o.protocol = a.protocol == "protobuf" ? otlp::Protocol::protobuf : otlp::Protocol::json;
    o.resource.host_name = "vm-test", o.resource.scope_version = "test";
    o.timeout = std::chrono::milliseconds(1000);
    o.log = stderr_log("sink_drive: sink otlp");
    otlp::OtlpExporter x(o);
    std::string error;
    if (!x.open(error)) return std::fprintf(stderr, "sink_drive: %s\n", error.c_str()), 2;
    run(a, cursor, [&](uint64_t from, uint64_t to) {
        std::vector<std::string> json;
        std::vector<std::string> keys;
        for (uint64_t s = from; s <= to; ++s) {
            json.push_back(encode_event(make(s, a)));
            keys.push_back(a.instance + ":" + std::to_string(s));
        }
        std::vector<otlp::OtlpInput> in;
        const uint64_t observed = uint64_t(wall_now_ms()) * 1000000;
        for (size_t i = 0; i < json.size(); ++i) in.push_back({json[i], keys[i], observed});
        x.deliver(in, g_stop, [&](size_t n) { cursor.advance(from + n - 1); });
        return x.fatal_error().empty();
    });
    const auto& s = x.stats();
    std::printf(
        "{\"acked\":%llu,\"exported\":%llu,\"requests\":%llu,\"retries\":%llu,\"rejected\":%llu,"
        "\"dropped\":%llu,\"fatal\":%s}\n",
        (unsigned long long)cursor.acked(), (unsigned long long)s.exported.load(),
        (unsigned long long)s.requests.load(), (unsigned long long)s.retries.load(),
        (unsigned long long)s.rejected.load(), (unsigned long long)s.dropped.load(),
        json_string(x.fatal_error()).c_str());
    return x.fatal_error().empty() ? 0 : 3;
}

}  // namespace

int main(int argc, char** argv) {
    Args a;
    try {
        if (!parse(argc, argv, a)) {
            std::fprintf(stderr, "usage: sink_drive s2|otlp --endpoint URL ... (see the source)\n");
            return 2;
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "sink_drive: bad number: %s\n", e.what());
        return 2;
    }
    std::signal(SIGTERM, [](int) { g_stop = true; });
    std::signal(SIGPIPE, SIG_IGN);
    Cursor cursor(a.cursor, a.cursor_every_ms);
    return a.mode == "s2" ? run_s2(a, cursor) : run_otlp(a, cursor);
}
