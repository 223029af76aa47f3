#include "hub/hub.hpp"

#include <unistd.h>

#include <chrono>
#include <cstring>

#include "faultline/host_port.hpp"
#include "faultline/hostname.hpp"
#include "hub/http/control_config.hpp"
#include "hub/http/listener.hpp"

namespace faultline::hub {

namespace {
Source hub_source(const std::string& host) {
    Source s;
    s.kind = "hub";
    s.name = "cdp-proxy";
    s.host = hostname_or(host);
    s.pid = static_cast<int64_t>(getpid());
    return s;
}

EventLogOptions log_options(const HubOptions& o) {
    EventLogOptions l;
    l.data_dir = o.data_dir;
    l.ring_capacity = o.ring_capacity;
    l.dedup_window = o.dedup_window;
    l.journal_commit_ms = o.journal_commit_ms;
    l.ack_timeout_ms = o.ack_timeout_ms;
    l.segment_bytes = o.segment_bytes;
    l.retention_bytes = o.retention_bytes;
    l.seq_block = o.seq_block;
    l.max_queued_bytes = o.max_queued_bytes;
    l.log = o.log;
    l.excluded_methods = default_excluded_methods();
    return l;
}
}  // namespace

Hub::Hub(HubOptions opts)
    : opts_(std::move(opts)),
      source_(hub_source(opts_.host)),
      log_(log_options(opts_), source_, metrics_) {}

Hub::~Hub() {
    stop();
}

// The order: the event log (journal restored), the listener bound, the sinks (reading what
// is durable), then the SSE streams and routes, and serving last.
bool Hub::start(std::string& error) {
    if (started_.exchange(true)) {
        error = "the hub is already started";
        return false;
    }
    if (!log_.open(error) || !bind(error) || !start_sinks(error)) {
        log_.close();
        return false;
    }
    sse_ = std::make_unique<SseStreams>(
        log_.ring(), log_.journal(), metrics_, source_,
        SseOptions{opts_.max_subscribers,
                   std::chrono::milliseconds(static_cast<int64_t>(opts_.heartbeat_seconds * 1000)),
                   3000});
    routes_ = std::make_unique<Routes>(
        log_, *sse_, metrics_, samples_,
        RoutesOptions{opts_.max_body, opts_.token, opts_.cdp_unauthenticated, opts_.ring_capacity},
        stopping_, [this] { return sink_statuses(); });
    routes_->add_all(server_);
    server_thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 500 && !server_.is_running(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    return true;
}

void Hub::log(const std::string& msg) const {
    if (opts_.log) opts_.log(msg);
}

bool Hub::bind(std::string& error) {
    HostPort hp;
    std::string bad;
    if (!parse_host_port(opts_.listen, hp, bad) || hp.host.empty()) {
        error = fmt::format("--api-listen '{}': {}", opts_.listen,
                            bad.empty() ? "expected HOST:PORT" : bad);
        return false;
    }
    host_ = hp.host;
    port_ = hp.port;
    const ListenerLimits limits{opts_.max_subscribers + opts_.api_workers,
                                opts_.read_timeout_seconds, opts_.write_timeout_seconds};
    configure_listener(server_, limits, listen_fd_);
    server_.set_head_timeout(std::chrono::seconds(opts_.head_timeout_seconds));
    server_.set_payload_max_length(opts_.max_body);
    server_.set_tcp_nodelay(true);  // small answers and SSE events leave at once, not after 40 ms
    server_.set_keep_alive_timeout(1);  // an idle keep-alive worker delays stop() by this much
    const bool bound = port_ == 0 ? (port_ = server_.bind_to_any_port(host_)) > 0
                                  : server_.bind_to_port(host_, port_);
    if (!bound) {
        error = fmt::format("cannot listen on {}: {}", opts_.listen, std::strerror(errno));
        return false;
    }
    std::string why;
    if (!raise_backlog(listen_fd_, limits.backlog, why))
        log(fmt::format("listen backlog stays at cpp-httplib's default: {}", why));
    return true;
}

std::string Hub::url() const {
    return "http://" + format_host_port({host_, static_cast<uint16_t>(port_)});
}

// The order: refuse new requests, end the capture (session_ended), let stream readers take
// everything up to it, stop the listener, close the journal, drain the sinks, wake the rest.
void Hub::stop() {
    if (!started_ || stopped_.exchange(true)) return;
    stopping_ = true;
    log_.end_capture();
    const uint64_t final_seq = log_.last_seq();
    if (sse_) sse_->finish(final_seq, std::chrono::steady_clock::now() + std::chrono::seconds(2));
    server_.stop();
    if (server_thread_.joinable()) server_thread_.join();
    log_.close();
    stop_sinks();
    log_.close_ring();
}

uint64_t Hub::last_seq() const {
    return log_.last_seq();
}

}  // namespace faultline::hub
