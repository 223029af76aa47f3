#include "alert_webhook.hpp"

#include <httplib.h>

#include <cstdio>
#include <exception>

#include "pressure_event.hpp"

namespace kmsgmon {

bool parse_webhook_url(const std::string& url, WebhookUrl& out, std::string& error) {
    size_t scheme_end = url.find("://");
    std::string scheme = scheme_end == std::string::npos ? "" : url.substr(0, scheme_end);
    if (scheme != "http" && scheme != "https") {
        error = "expected an http:// or https:// URL, got '" + url + "'";
        return false;
    }
#ifndef CPPHTTPLIB_OPENSSL_SUPPORT
    if (scheme == "https") {
        error = "https:// needs a kmsgmon built with OpenSSL (this one is not; use http://)";
        return false;
    }
#endif
    size_t host_start = scheme_end + 3;
    size_t path_start = url.find_first_of("/?", host_start);
    std::string authority = url.substr(host_start, path_start - host_start);
    if (authority.empty() || authority.find_first_of(" @") != std::string::npos) {
        error = "no host (or credentials, which are not supported) in '" + url + "'";
        return false;
    }
    out.origin = scheme + "://" + authority;
    out.path = path_start == std::string::npos ? "/" : url.substr(path_start);
    if (out.path.front() == '?') out.path.insert(0, "/");
    return true;
}

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

AlertWebhook::AlertWebhook(WebhookUrl url, std::string host, WebhookOptions options)
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

// One POST. Returns true on a 2xx answer; logs anything else to stderr.
bool AlertWebhook::send(const std::string& body) try {
    httplib::Client client(url_.origin);
    auto secs = [](std::chrono::milliseconds ms) {
        return std::make_pair(static_cast<time_t>(ms.count() / 1000),
                              static_cast<time_t>(ms.count() % 1000 * 1000));
    };
    auto [s, us] = secs(opt_.timeout);
    client.set_connection_timeout(s, us);
    client.set_read_timeout(s, us);
    client.set_write_timeout(s, us);
    auto res = client.Post(url_.path, body, "application/json");
    if (res && res->status >= 200 && res->status < 300) return true;
    if (res)
        std::fprintf(stderr, "kmsgmon: alert webhook answered HTTP %d\n", res->status);
    else
        std::fprintf(stderr, "kmsgmon: alert webhook %s: request failed (%s)\n",
                     url_.origin.c_str(), httplib::to_string(res.error()).c_str());
    return false;
} catch (const std::exception& e) {  // httplib throws for a scheme it was built without
    std::fprintf(stderr, "kmsgmon: alert webhook: %s\n", e.what());
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
        if (!ok) std::fprintf(stderr, "kmsgmon: alert webhook: gave up on one alert\n");
        busy_ = false;
        cv_.notify_all();
    }
}

}  // namespace kmsgmon
