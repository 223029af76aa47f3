#include "pressure/sample_sender.hpp"

#include <fmt/format.h>

namespace faultline::kmsgmon {

faultline::MemorySample memory_sample_of(const PressureSample& s, const std::string& host,
                                         int64_t ts_ms) {
    faultline::MemorySample m;
    m.ts_ms = ts_ms;
    m.host = host.empty() ? "unknown" : host;
    m.scope = s.scope == "cgroup" ? "cgroup" : "host";
    if (m.scope == "cgroup") m.cgroup = s.cgroup.empty() ? "/" : s.cgroup;
    m.mem_total_kb = s.mem_total_kb, m.mem_available_kb = s.mem_available_kb;
    m.swap_total_kb = s.swap_total_kb, m.swap_free_kb = s.swap_free_kb;
    m.psi_some_avg10 = s.psi_some_avg10, m.psi_full_avg10 = s.psi_full_avg10;
    return m;
}

SampleSender::SampleSender(faultline::HttpUrl hub, SampleSenderOptions options)
    : hub_(std::move(hub)), opt_(std::move(options)) {
    thread_ = std::thread([this] { run(); });
}

SampleSender::~SampleSender() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
}

void SampleSender::post(faultline::MemorySample s) {
    {
        std::lock_guard lock(mu_);
        if (pending_) ++stats_.dropped;  // the hub is slower than the sampler: newest wins
        pending_ = std::move(s);
    }
    cv_.notify_all();
}

SampleSender::Stats SampleSender::stats() const {
    std::lock_guard lock(mu_);
    return stats_;
}

// One POST on the kept-alive connection. True on 204 (any 2xx); why says what went wrong.
bool SampleSender::send(faultline::HttpClient& client, const std::string& body, std::string& why) {
    const faultline::HttpResult res = client.post("/telemetry/samples", body, "application/json");
    if (res.status >= 200 && res.status < 300) return true;
    why = res.status ? fmt::format("HTTP {}: {}", res.status, res.body.substr(0, 200))
                     : fmt::format("{} ({})", hub_.authority, res.error);
    return false;
}

void SampleSender::run() {
    // The hub's path prefix is not used: the route is fixed, like the publisher's.
    faultline::HttpClient client(hub_, opt_.timeout, opt_.token);
    std::unique_lock lock(mu_);
    for (;;) {
        cv_.wait(lock, [&] { return stopping_ || pending_; });
        if (stopping_) return;
        const std::string body = faultline::encode_memory_sample(*pending_);
        pending_.reset();
        lock.unlock();
        std::string why;
        const bool ok = send(client, body, why);
        lock.lock();
        if (ok) {
            ++stats_.sent;
            if (failing_)
                opt_.log(fmt::format("memory samples reach the hub again ({} dropped meanwhile)",
                                     stats_.dropped - dropped_at_failure_));
            failing_ = false;
            continue;
        }
        ++stats_.dropped;
        if (!failing_) {  // once per outage, not once per sample
            failing_ = true;
            dropped_at_failure_ = stats_.dropped - 1;
            opt_.log("memory samples not taken by the hub (" + why +
                     "); dropping them until it takes them again (samples are not queued)");
        }
    }
}

}  // namespace faultline::kmsgmon
