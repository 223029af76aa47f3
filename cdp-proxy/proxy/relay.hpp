// The WebSocket relay: one epoll thread moves bytes between every client and its Chromium
// socket after the handshake. It reads only frame headers (to count messages and bytes and see
// Close frames), never buffers a whole message, and keeps at most one read's worth of bytes per
// direction when the receiver is slow (then it stops reading the sender: TCP backpressure).
// It decides each connection's disconnect reason, tells the client in a Close frame (code and a
// reason that starts with the cdp_disconnect reason word), waits briefly for the client's Close
// (a bounded handshake: a silent client costs only a timer), and publishes cdp_disconnect.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "cdp/upstream_discovery.hpp"
#include "cdp/ws_frame.hpp"
#include "faultline/log.hpp"
#include "faultline/unique_fd.hpp"
#include "proxy/disconnect_reason.hpp"
#include "proxy/events.hpp"

namespace faultline::proxy {

struct RelayOptions {
    std::chrono::milliseconds slow_client_timeout{30000};
    std::chrono::milliseconds restart_confirm_wait{10000};
    std::chrono::milliseconds drain_timeout{5000};  // flushing the last bytes after one side ended
    std::chrono::milliseconds close_wait{1000};     // for the client's Close after ours
    LogFn log = null_log();                         // slow clients cut off, epoll failures
    faultline::Source source;                       // of cdp_disconnect (cdp::event_source)
};

// A connection whose handshake succeeded (Chromium answered 101 and it was passed on).
struct RelayStart {
    ConnectionInfo info;
    UniqueFd client_fd, upstream_fd;  // owned by the relay from add() on
    std::string client_bytes;         // read from the client after its handshake, for Chromium
    std::string upstream_bytes;       // read from Chromium after its 101, for the client
};

class Relay {
  public:
    // sink gets cdp_disconnect; commands gets what control records (unbuilt, see
    // CommandObserved). Without commands, cdp_command is built here and goes to sink.
    Relay(RelayOptions options, cdp::UpstreamDiscovery& discovery, EventSink sink,
          CommandSink commands = {});
    ~Relay();
    Relay(const Relay&) = delete;
    Relay& operator=(const Relay&) = delete;

    // Starts the relay thread. Returns false with error when epoll/eventfd cannot be created.
    bool start(std::string& error);

    // Hands a connection to the relay (thread-safe). After stop() it is closed at once with
    // reason context_cancelled.
    void add(RelayStart conn);

    // Ends every connection (context_cancelled), resolves pending decisions, publishes, joins.
    void stop();

    size_t active() const { return active_.load(); }

    // While a capture records control: read each message's head and publish cdp_command,
    // leaving out the excluded methods. Off: no extra work on the data path. Both are
    // thread-safe and only hand the setting over to the relay thread.
    void set_control(bool on);
    void set_excluded_methods(std::vector<std::string> methods);

  private:
    struct Pipe;
    struct Conn;

    void loop();
    void wake();
    void take_new();
    void on_event(Conn& c, int side, uint32_t events);
    void pump(Conn& c, int side);
    bool flush(Conn& c, int side);
    void update_interest(Conn& c);
    void end(Conn& c, EndCause cause);
    void decide(Conn& c, DisconnectReason r);
    void begin_close(Conn& c);
    void on_closing(Conn& c, uint32_t events);
    void drop_fd(Conn& c, int side);
    void finish(uint64_t key);
    void check_timers(bool stopping);
    void on_upstream_change();
    bool url_changed_since(const ConnectionInfo& info) const;
    void publish(const ConnectionInfo& info, const ConnectionEnd& end, DisconnectReason r);
    void watch_messages(Conn& c);  // (re)sets the scanners' message callbacks for control
    void on_command(Conn& c, const cdp::MessageEdges& m);
    void on_reply(Conn& c, const cdp::MessageEdges& m);

    RelayOptions options_;
    cdp::UpstreamDiscovery& discovery_;
    EventSink sink_;
    CommandSink commands_;
    UniqueFd epoll_fd_, wake_fd_;
    std::thread thread_;
    std::mutex mu_;
    std::vector<RelayStart> incoming_;
    bool stopping_ = false, stopped_ = false;
    std::atomic<bool> url_changed_{false};
    std::atomic<size_t> active_{0};
    uint64_t next_key_ = 1;
    std::unordered_map<uint64_t, std::unique_ptr<Conn>> conns_;
    bool closing_all_ = false;  // stopping: every connection was told; waiting for answers
    std::chrono::steady_clock::time_point stop_deadline_;
    std::vector<unsigned char> scratch_;
    // control: handed over under control_mu_, applied by the relay thread.
    std::mutex control_mu_;
    bool control_next_ = false;
    std::vector<std::string> excluded_next_;
    std::atomic<bool> control_changed_{false};
    bool control_ = false;
    std::unordered_set<std::string> excluded_;
};

}  // namespace faultline::proxy
