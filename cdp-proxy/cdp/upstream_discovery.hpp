// Knows Chromium's current DevTools WebSocket URL. Two sources:
//  - a Chromium log (--chromium-log): followed like tail -F; every "DevTools listening on ws://..."
//    line sets the URL (the last one in the file wins at start-up);
//  - a host:port (--upstream): GET /json/version at start, and again after every reported
//    failure until it answers.
// The URL is readable at any time; watchers are told when it changes (latest wins: a watcher
// that is slow to look sees only the newest value).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cdp/devtools_url.hpp"
#include "cdp/log_follower.hpp"
#include "faultline/log.hpp"

namespace faultline::cdp {

struct UpstreamSnapshot {
    uint64_t version = 0;  // bumps on every change; 0 = nothing known yet
    std::optional<DevtoolsUrl> url;
};

class UpstreamDiscovery {
  public:
    struct Options {
        std::string chromium_log;                 // non-empty: follow this log
        std::string upstream = "127.0.0.1:9223";  // else: ask this host:port
        LogFn log = null_log();                   // each new upstream URL
    };

    explicit UpstreamDiscovery(Options options);
    ~UpstreamDiscovery();
    UpstreamDiscovery(const UpstreamDiscovery&) = delete;
    UpstreamDiscovery& operator=(const UpstreamDiscovery&) = delete;

    // Starts the follower or poller thread. Returns false with error for a bad --upstream.
    bool start(std::string& error);
    void stop();

    UpstreamSnapshot current() const;

    // Waits until the version differs from seen, or the deadline. Returns the snapshot then.
    UpstreamSnapshot wait_for_change(uint64_t seen,
                                     std::chrono::steady_clock::time_point deadline) const;

    // Registers a callback run (from the discovery thread) after each change.
    void watch(std::function<void()> callback);

    // Tells the poller that the upstream failed (connection refused, EOF, unknown browser id):
    // it asks /json/version again until Chromium answers. No effect in log mode.
    void report_failure();

    // Sets the URL (if it parses and differs from the current one). Returns true on a change.
    // Used by the sources, and by the JSON relay when it sees a fresh /json/version answer.
    bool offer(std::string_view url);

    bool follows_log() const { return !options_.chromium_log.empty(); }
    // "host:port" to ask for /json/... when no URL is known yet in --upstream mode ("" in log
    // mode).
    std::string configured_upstream() const { return follows_log() ? "" : options_.upstream; }

  private:
    void poll_loop();
    std::optional<std::string> fetch_version_url();

    Options options_;
    HostPort upstream_;
    mutable std::mutex mu_;
    mutable std::condition_variable changed_;
    UpstreamSnapshot snapshot_;
    std::vector<std::function<void()>> watchers_;
    std::unique_ptr<LogFollower> follower_;
    std::thread poller_;
    std::condition_variable poke_;
    bool need_poll_ = true;
    bool stopping_ = false;
};

}  // namespace faultline::cdp
