#include "pressure/alert_webhook.hpp"

#include <fmt/format.h>

#include "pressure/event.hpp"

namespace faultline::kmsgmon {

std::string webhook_body(const Transition& tr, const faultline::Event& event,
                         const std::string& host) {
    std::string text = "faultline: " + alert_text(tr, host);
    if (text.size() > 1900) text.resize(1900);  // Discord's limit is 2000 characters
    return faultline::JsonObject()
        .add("content", text)
        .add("text", text)
        .add_raw("event", faultline::encode_event(event))
        .finish();
}

AlertWebhook::AlertWebhook(faultline::HttpUrl url, std::string host, WebhookOptions options)
    : url_(std::move(url)), host_(std::move(host)), opt_(options) {
    thread_ = std::thread([this] { run(); });
}

AlertWebhook::~AlertWebhook() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
}

void AlertWebhook::post(const Transition& tr, const faultline::Event& event) {
    if (tr.level == PressureLevel::ok) return;
    std::string body = webhook_body(tr, event, host_);
    {
        std::lock_guard lock(mu_);
        if (queue_.size() >= opt_.queue_capacity) {
            queue_.pop_front();
            ++stats_.dropped;
        }
        queue_.push_back(std::move(body));
    }
    cv_.notify_all();
}

bool AlertWebhook::flush(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(mu_);
    return cv_.wait_until(lock, deadline, [&] { return queue_.empty() && !busy_; });
}

AlertWebhook::Stats AlertWebhook::stats() const {
    std::lock_guard lock(mu_);
    return stats_;
}

// One POST on a fresh connection. Returns true on a 2xx answer; logs anything else.
bool AlertWebhook::send(const std::string& body) {
    faultline::HttpClient client(url_, opt_.timeout);
    faultline::HttpResult res = client.post(url_.path, body, "application/json");
    if (res.status >= 200 && res.status < 300) return true;
    if (res.status)
        opt_.log(fmt::format("alert webhook answered HTTP {}", res.status));
    else
        opt_.log(fmt::format("alert webhook {}: request failed ({})", url_.authority, res.error));
    return false;
}

void AlertWebhook::run() {
    std::unique_lock lock(mu_);
    for (;;) {
        cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (stopping_) return;
        std::string body = std::move(queue_.front());
        queue_.pop_front();
        busy_ = true;
        bool ok = false;
        auto backoff = opt_.backoff;
        for (int attempt = 1; attempt <= opt_.attempts && !ok && !stopping_; ++attempt) {
            lock.unlock();
            ok = send(body);
            lock.lock();
            if (!ok && attempt < opt_.attempts) {
                cv_.wait_for(lock, backoff, [&] { return stopping_; });
                backoff *= 2;
            }
        }
        ++(ok ? stats_.sent : stats_.failed);
        if (!ok) opt_.log("alert webhook: gave up on one alert");
        busy_ = false;
        cv_.notify_all();
    }
}

}  // namespace faultline::kmsgmon
