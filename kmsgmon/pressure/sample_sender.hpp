// kmsgmon --hub: every memory sample goes to the hub's POST /telemetry/samples for its live
// chart and /metrics. Samples are not events and are not queued: a thread of its own makes one
// short attempt per sample, and a sample still waiting when the next one is taken, or one the
// hub did not take, is dropped and counted. post() never waits, so neither the pressure
// detector nor the OOM path ever does.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "faultline/http_client.hpp"
#include "faultline/log.hpp"
#include "faultline/memory_sample.hpp"
#include "pressure/sample.hpp"

namespace faultline::kmsgmon {

// The sample as the hub takes it: ts_ms is the wall clock now (the sample was just read).
faultline::MemorySample memory_sample_of(const PressureSample& s, const std::string& host,
                                         int64_t ts_ms);

struct SampleSenderOptions {
    std::chrono::milliseconds timeout{1000};       // connect and read, each
    std::string token;                             // "Authorization: Bearer" when set
    faultline::LogFn log = faultline::null_log();  // once when samples stop getting through
};

class SampleSender {
  public:
    SampleSender(faultline::HttpUrl hub, SampleSenderOptions options = {});
    ~SampleSender();  // an attempt in flight ends within its timeout
    SampleSender(const SampleSender&) = delete;
    SampleSender& operator=(const SampleSender&) = delete;

    // Hands the sample to the sender thread; replaces (drops) one not yet sent.
    void post(faultline::MemorySample s);

    struct Stats {
        uint64_t sent = 0, dropped = 0;
    };
    Stats stats() const;

  private:
    void run();
    bool send(faultline::HttpClient& client, const std::string& body, std::string& why);

    faultline::HttpUrl hub_;
    SampleSenderOptions opt_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::optional<faultline::MemorySample> pending_;
    bool stopping_ = false, failing_ = false;
    uint64_t dropped_at_failure_ = 0;
    Stats stats_;
    std::thread thread_;
};

}  // namespace faultline::kmsgmon
