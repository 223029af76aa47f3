#include "cdp/upstream_discovery.hpp"

#include <httplib.h>

namespace faultline::cdp {

UpstreamDiscovery::UpstreamDiscovery(Options options) : options_(std::move(options)) {}

UpstreamDiscovery::~UpstreamDiscovery() {
    stop();
}

bool UpstreamDiscovery::start(std::string& error) {
    if (follows_log()) {
        follower_ =
            std::make_unique<LogFollower>(options_.chromium_log, [this](std::string_view line) {
                if (auto url = devtools_url_from_log_line(line)) offer(*url);
            });
        // Read what is already there before returning, so a running Chromium is known at once.
        follower_->poll_once();
        follower_->start();
        return true;
    }
    if (!parse_host_port(options_.upstream, upstream_, error)) {
        error = "--upstream '" + options_.upstream + "': " + error;
        return false;
    }
    if (upstream_.host.empty()) upstream_.host = "127.0.0.1";
    poller_ = std::thread([this] { poll_loop(); });
    return true;
}

void UpstreamDiscovery::stop() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    poke_.notify_all();
    changed_.notify_all();
    if (follower_) follower_->stop();
    if (poller_.joinable()) poller_.join();
}

UpstreamSnapshot UpstreamDiscovery::current() const {
    std::lock_guard lock(mu_);
    return snapshot_;
}

UpstreamSnapshot UpstreamDiscovery::wait_for_change(
    uint64_t seen, std::chrono::steady_clock::time_point deadline) const {
    std::unique_lock lock(mu_);
    changed_.wait_until(lock, deadline, [&] { return snapshot_.version != seen || stopping_; });
    return snapshot_;
}

void UpstreamDiscovery::watch(std::function<void()> callback) {
    std::lock_guard lock(mu_);
    watchers_.push_back(std::move(callback));
}

void UpstreamDiscovery::report_failure() {
    if (follows_log()) return;
    {
        std::lock_guard lock(mu_);
        need_poll_ = true;
    }
    poke_.notify_all();
}

bool UpstreamDiscovery::offer(std::string_view url) {
    std::optional<DevtoolsUrl> parsed = parse_devtools_url(url);
    if (!parsed) return false;
    std::vector<std::function<void()>> watchers;
    {
        std::lock_guard lock(mu_);
        if (snapshot_.url && snapshot_.url->url == parsed->url) return false;
        snapshot_.url = std::move(parsed);
        ++snapshot_.version;
        watchers = watchers_;
    }
    options_.log("upstream is now " + std::string(url));
    changed_.notify_all();
    for (auto& w : watchers) w();
    return true;
}

void UpstreamDiscovery::poll_loop() {
    auto backoff = std::chrono::milliseconds(100);
    std::unique_lock lock(mu_);
    while (!stopping_) {
        poke_.wait(lock, [&] { return need_poll_ || stopping_; });
        if (stopping_) break;
        lock.unlock();
        std::optional<std::string> url = fetch_version_url();
        if (url) offer(*url);
        lock.lock();
        if (url) {
            need_poll_ = false;
            backoff = std::chrono::milliseconds(100);
        } else {
            poke_.wait_for(lock, backoff, [&] { return stopping_; });
            backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
        }
    }
}

std::optional<std::string> UpstreamDiscovery::fetch_version_url() {
    httplib::Client client(upstream_.host, upstream_.port);
    client.set_connection_timeout(std::chrono::seconds(2));
    client.set_read_timeout(std::chrono::seconds(5));
    auto res = client.Get("/json/version", {{"Host", format_host_port(upstream_)}});
    if (!res || res->status != 200) return std::nullopt;
    return version_ws_url(res->body);
}

}  // namespace faultline::cdp
