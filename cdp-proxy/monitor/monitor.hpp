// The CDP monitor: a CDP client of its own on Chromium's browser endpoint, found by the proxy's
// upstream discovery and following it across Chromium restarts. Always on and cheap (target
// discovery and page crashes); under a capture that asks for console, network, page,
// interaction or screenshot it attaches to every target (see browser_session.hpp). Losing
// Chromium publishes monitor_disconnected; being attached again monitor_reconnected (with the
// time it took); giving up after --monitor-reconnect-attempts monitor_reconnect_failed, and it
// keeps trying (2 s doubling up to 10 s) so it comes back with Chromium, even at the same URL.
// A Chromium that stops answering (stopped, hung) counts as lost ("unresponsive"); one that
// answers init with errors publishes monitor_init_failed once and is tried again the same way.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cdp/event_sink.hpp"
#include "cdp/upstream_discovery.hpp"
#include "faultline/unique_fd.hpp"
#include "monitor/monitor_options.hpp"

namespace faultline::monitor {

class CdpConnection;

class Monitor {
  public:
    Monitor(MonitorOptions opts, cdp::UpstreamDiscovery& discovery, cdp::EventSink sink);
    ~Monitor();
    Monitor(const Monitor&) = delete;
    Monitor& operator=(const Monitor&) = delete;

    bool start(std::string& error);
    // Ends the connection; held page crashes are published first.
    void stop();

    // The categories captured now (from Hub::watch_capture). Thread-safe and never blocks.
    void set_categories(const std::vector<std::string>& categories);

    bool connected() const { return connected_; }

  private:
    struct Wake;
    enum class End { stopped, chrome_restarted, connection_lost, unresponsive, init_failed };

    void run();
    // reconnect_ms: time since the connection was lost (-1 for the first connection).
    End serve(CdpConnection& conn, const cdp::UpstreamSnapshot& snap, int64_t reconnect_ms,
              uint64_t attempts);
    End init_failed(const std::string& step, std::string_view error);
    static std::string_view end_reason(End end);
    bool wait(int64_t ms);  // false when stopping
    void emit(std::string_view type, std::string data, std::string ts = {});

    MonitorOptions opts_;
    cdp::UpstreamDiscovery& discovery_;
    cdp::EventSink sink_;
    std::shared_ptr<Wake> wake_;
    UniqueFd stop_fd_;
    std::thread thread_;
    std::mutex mu_;
    std::vector<std::string> categories_;
    uint64_t categories_version_ = 0;
    bool init_failed_reported_ = false;  // monitor thread only
    bool ready_ = false;                 // this connection's init succeeded
    std::atomic<bool> stopping_{false}, connected_{false};
};

}  // namespace faultline::monitor
