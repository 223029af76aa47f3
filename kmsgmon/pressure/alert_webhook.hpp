// --alert-webhook: POSTs warning and critical transitions straight from kmsgmon, as JSON with a
// human-readable "content" (Discord) and "text" (Slack) plus the event itself under "event".
// A thread of its own sends them with a short bounded retry; post() never blocks monitoring.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "faultline/event.hpp"
#include "faultline/http_client.hpp"
#include "faultline/log.hpp"
#include "pressure/detector.hpp"

namespace faultline::kmsgmon {

// The JSON body POSTed for a transition.
std::string webhook_body(const Transition& tr, const faultline::Event& event,
                         const std::string& host);

struct WebhookOptions {
    int attempts = 3;                              // per alert
    std::chrono::milliseconds backoff{1000};       // doubled after each failure
    std::chrono::milliseconds timeout{2000};       // connect and read, each
    size_t queue_capacity = 8;                     // oldest alert dropped beyond this
    faultline::LogFn log = faultline::null_log();  // failed attempts and given-up alerts
};

class AlertWebhook {
  public:
    AlertWebhook(faultline::HttpUrl url, std::string host, WebhookOptions options = {});
    ~AlertWebhook();  // stops the sender; an attempt in flight ends within its timeout
    AlertWebhook(const AlertWebhook&) = delete;
    AlertWebhook& operator=(const AlertWebhook&) = delete;

    // Queues warning/critical transitions (ok is not an alert). Never blocks on the network.
    void post(const Transition& tr, const faultline::Event& event);
    // Waits until every queued alert was sent or given up, or until deadline. Returns true
    // when nothing is left.
    bool flush(std::chrono::steady_clock::time_point deadline);

    struct Stats {
        uint64_t sent = 0, failed = 0, dropped = 0;
    };
    Stats stats() const;

  private:
    void run();
    bool send(const std::string& body);

    faultline::HttpUrl url_;
    std::string host_;
    WebhookOptions opt_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::deque<std::string> queue_;
    bool busy_ = false, stopping_ = false;
    Stats stats_;
    std::thread thread_;
};

}  // namespace faultline::kmsgmon
