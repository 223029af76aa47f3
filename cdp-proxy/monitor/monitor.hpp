// The CDP monitor: a CDP client of its own on Chromium's browser endpoint, found by the proxy's
// upstream discovery and following it across Chromium restarts. Always on and cheap (target
// discovery and page crashes); under a capture that asks for console, network, page,
// interaction or screenshot it attaches to every target (see browser_session.hpp). Losing
// Chromium publishes monitor_disconnected; being attached again monitor_reconnected (with the
// time it took); giving up after --monitor-reconnect-attempts monitor_reconnect_failed (it
// tries again when discovery reports a new URL).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cdp/event_sink.hpp"
#include "cdp/upstream_discovery.hpp"
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
    enum class End { stopped, chrome_restarted, connection_lost };

    void run();
    End serve(CdpConnection& conn, const cdp::UpstreamSnapshot& snap);
    bool wait(int64_t ms);  // false when stopping
    void emit(std::string_view type, std::string data);

    MonitorOptions opts_;
    cdp::UpstreamDiscovery& discovery_;
    cdp::EventSink sink_;
    std::shared_ptr<Wake> wake_;
    int stop_fd_ = -1;
    std::thread thread_;
    std::mutex mu_;
    std::vector<std::string> categories_;
    uint64_t categories_version_ = 0;
    std::atomic<bool> stopping_{false}, connected_{false};
};

}  // namespace faultline::monitor
