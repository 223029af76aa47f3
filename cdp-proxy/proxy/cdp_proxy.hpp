// The CDP proxy: listens on --cdp-listen with its own accept loop (cpp-httplib cannot hand over
// an upgraded socket), serves the DevTools /json endpoints by asking Chromium, and relays
// /devtools/browser/<id> and /devtools/page/<id> WebSockets to Chromium, publishing cdp_connect
// and cdp_disconnect through the sink.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "cdp/http_head.hpp"
#include "cdp/upstream_discovery.hpp"
#include "cdp/ws_handshake.hpp"
#include "faultline/cli.hpp"
#include "faultline/log.hpp"
#include "faultline/unique_fd.hpp"
#include "proxy/event_queue.hpp"
#include "proxy/events.hpp"
#include "proxy/relay.hpp"

namespace faultline::proxy {

struct CdpProxyOptions {
    std::string listen = "0.0.0.0:9222";
    std::string upstream = "127.0.0.1:9223";
    std::string chromium_log;
    std::string token;
    std::string host;  // source.host of cdp_* events: the process's one host (main sets it)
    double slow_client_timeout = 30;   // seconds
    double restart_confirm_wait = 10;  // seconds
    double dial_timeout = 5;           // seconds; not a flag (--help promises 5 s)
};

// Adds --cdp-listen, --upstream, --chromium-log, --slow-client-timeout,
// --restart-confirm-wait and (with_token; off when the program already has a shared --token)
// --token, each with its FAULTLINE_* environment twin.
void add_cdp_proxy_flags(faultline::FlagSet& flags, CdpProxyOptions& options,
                         bool with_token = true);

// Adds the --help section on what the CDP proxy serves and what its telemetry means.
void add_cdp_proxy_help(faultline::FlagSet& flags);

class CdpProxy {
  public:
    // log gets connections that fail before relaying, and what discovery and the relay report.
    CdpProxy(CdpProxyOptions options, EventSink sink, LogFn log);
    ~CdpProxy();
    CdpProxy(const CdpProxy&) = delete;
    CdpProxy& operator=(const CdpProxy&) = delete;

    // Binds the listener and starts discovery, the relay and the accept loop. Returns false with
    // error (bad flag value, port in use).
    bool start(std::string& error);

    // Stops accepting, aborts handshakes in progress, ends every relayed connection with
    // context_cancelled (published before this returns).
    void stop();

    // cdp_command recording (the control category): see Relay::set_control. Thread-safe.
    void set_control(bool on) {
        if (relay_) relay_->set_control(on);
    }
    void set_excluded_methods(std::vector<std::string> methods) {
        if (relay_) relay_->set_excluded_methods(std::move(methods));
    }
    // The relay publishes from a queue (see EventQueue): returns once what it observed so far
    // is published. Called before a capture changes, so that its events stay inside it.
    void flush_events() {
        if (events_) events_->flush();
    }

    int port() const { return port_; }
    cdp::UpstreamDiscovery& discovery() { return *discovery_; }
    size_t active_connections() const { return relay_ ? relay_->active() : 0; }

  private:
    void accept_loop();
    void serve(UniqueFd fd);
    void serve_json(UniqueFd fd, const cdp::HttpRequest& req);
    void serve_upgrade(UniqueFd fd, const cdp::HttpRequest& req, std::string_view client_rest,
                       const cdp::DevtoolsPath& target);
    void reply(UniqueFd fd, const std::string& bytes);
    void fail_connection(ConnectionInfo info, const std::string& why);

    CdpProxyOptions options_;
    faultline::Source source_;  // of cdp_connect and early cdp_disconnect
    EventSink sink_;
    LogFn log_;
    std::unique_ptr<cdp::UpstreamDiscovery> discovery_;
    std::unique_ptr<EventQueue> events_;  // the relay's cdp_command and cdp_disconnect
    std::unique_ptr<Relay> relay_;
    UniqueFd listen_fd_, stop_fd_;
    int port_ = -1;
    std::thread acceptor_;
    std::mutex mu_;
    std::condition_variable idle_;
    size_t handshakes_ = 0;
    std::atomic<bool> stopping_{false};
    bool started_ = false;
};

}  // namespace faultline::proxy
