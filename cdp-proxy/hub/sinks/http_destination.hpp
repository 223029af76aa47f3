// The one HTTP sink adapter (S2 and OTLP): the sink hands over events one at a time; a worker
// thread gathers them into batches (lingering up to `linger` for a batch to fill) and has the
// sender deliver each batch in order, acknowledging every seq the sender got through. The
// events wait in one queue (held_) and are retried at one level, the sender's (HttpRetry): a
// failed attempt is reported to the sink as a failure (metrics, /healthz), never as a reason to
// rewind and send again. After a fatal error (a 4xx that retrying cannot fix) the destination
// stops taking events: the hub keeps serving, the sink shows the error until a restart.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "hub/sinks/destination.hpp"
#include "hub/sinks/http_sender.hpp"

namespace faultline::hub::sinks {

class HttpDestination final : public Destination {
  public:
    // sender is open (its options checked: see add_s2_sink, add_otlp_sink).
    HttpDestination(std::unique_ptr<HttpSender> sender, size_t max_batch,
                    std::chrono::milliseconds linger);
    ~HttpDestination() override;

    bool open(AckReceiver& rx, SinkError& err) override;
    bool ready() const override { return !fatal_; }
    bool send(const SinkEvent& ev, SinkError& err) override;
    void abandon() override;
    void close() override;

  private:
    void attempt_failed(int status, const std::string& why, AfterFailure next, size_t events);
    void run();
    bool wait_for_batch(std::unique_lock<std::mutex>& lock);

    std::unique_ptr<HttpSender> sender_;
    const size_t max_batch_;
    const std::chrono::milliseconds linger_;
    AckReceiver* rx_ = nullptr;
    std::thread worker_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<HeldEvent> held_;
    std::chrono::steady_clock::time_point first_held_{};
    std::atomic<bool> stop_{false}, fatal_{false};
    bool running_ = false;
};

// The failure cause of an HTTP answer (status 0: the transport error in why).
Cause http_cause(int status, const std::string& why);

}  // namespace faultline::hub::sinks
