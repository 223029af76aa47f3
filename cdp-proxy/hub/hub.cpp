#include "hub/hub.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>

#include "faultline/event_decode.hpp"
#include "hub/http/ingest.hpp"
#include "hub/store/journal_line.hpp"
#include "hub/stream/query.hpp"
#include "hub/stream/reader.hpp"

namespace faultline::hub {

namespace {
using Clock = std::chrono::steady_clock;

void log(const std::string& msg) {
    std::fprintf(stderr, "cdp-proxy: hub: %s\n", msg.c_str());
}

std::string hostname_or(const std::string& given) {
    if (!given.empty()) return given;
    char buf[256] = {};
    return gethostname(buf, sizeof buf - 1) == 0 ? std::string(buf) : std::string();
}

// Splits "host:port" or "[v6]:port". Returns false when there is no numeric port.
bool split_listen(const std::string& listen, std::string& host, int& port) {
    const size_t colon = listen.rfind(':');
    if (colon == std::string::npos || colon + 1 == listen.size()) return false;
    host = listen.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    const std::string p = listen.substr(colon + 1);
    if (p.find_first_not_of("0123456789") != std::string::npos || p.size() > 5) return false;
    port = std::stoi(p);
    return port <= 65535 && !host.empty();
}
}  // namespace

Hub::Hub(HubOptions opts) : opts_(std::move(opts)), dedup_(opts_.dedup_window) {
    source_.kind = "hub";
    source_.name = "cdp-proxy";
    source_.host = hostname_or(opts_.host);
    source_.pid = static_cast<int64_t>(getpid());
}

Hub::~Hub() {
    stop();
}

bool Hub::start(std::string& error) {
    if (started_.exchange(true)) {
        error = "the hub is already started";
        return false;
    }
    if (!open_journal(error) || !bind(error) || !start_sinks(error)) {
        if (journal_) journal_->close();
        return false;
    }
    sse_ = std::make_unique<SseStreams>(
        *ring_, journal_.get(), metrics_, source_,
        SseOptions{opts_.max_subscribers,
                   std::chrono::milliseconds(static_cast<int64_t>(opts_.heartbeat_seconds * 1000)),
                   3000});
    routes();
    server_thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 500 && !server_.is_running(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    return true;
}

bool Hub::open_journal(std::string& error) {
    std::vector<std::string> tail;
    uint64_t last = 0;
    if (!opts_.data_dir.empty()) {
        journal_ = std::make_unique<Journal>(JournalOptions{
            opts_.data_dir, std::chrono::milliseconds(opts_.fsync_interval_ms), opts_.segment_bytes,
            opts_.retention_bytes, [](const std::string& m) { log(m); }});
        if (!journal_->open(opts_.ring_capacity, tail, last, error)) {
            error = fmt::format("journal in '{}': {}", opts_.data_dir, error);
            return false;
        }
    }
    restore(tail, last);
    return true;
}

// Refills the ring with the journal's newest contiguous records so seq continues and readers
// can resume from before the restart; their ids go back into the idempotency window.
void Hub::restore(const std::vector<std::string>& tail, uint64_t last_seq) {
    size_t first = tail.size();
    uint64_t expect = last_seq;
    while (first > 0 && journal_line_seq(tail[first - 1]) == expect) --first, --expect;
    ring_ = std::make_unique<RecordRing>(opts_.ring_capacity, expect + 1);
    EventDecoder decoder;
    for (size_t i = first; i < tail.size(); ++i) {
        Event e;
        DecodeError err;
        const bool ok = decoder.decode(tail[i], e, err);
        if (ok && !e.id.empty()) dedup_.insert(e.id);
        ring_->publish([&](uint64_t seq) {
            return std::make_shared<const Record>(
                Record{seq, ok ? e.type : "", e.category, tail[i]});
        });
    }
    if (last_seq)
        log(fmt::format("restored {} events from the journal; next seq {}", tail.size() - first,
                        last_seq + 1));
}

bool Hub::bind(std::string& error) {
    if (!split_listen(opts_.listen, host_, port_)) {
        error = fmt::format("--api-listen '{}': expected HOST:PORT", opts_.listen);
        return false;
    }
    const size_t threads = opts_.max_subscribers + opts_.ingest_threads;
    server_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    server_.set_payload_max_length(opts_.max_body);
    server_.set_tcp_nodelay(true);  // small answers and SSE events leave at once, not after 40 ms
    server_.set_write_timeout(static_cast<time_t>(opts_.write_timeout_seconds), 0);
    server_.set_keep_alive_timeout(1);  // an idle keep-alive worker delays stop() by this much
    if (port_ == 0) {
        port_ = server_.bind_to_any_port(host_);
        if (port_ > 0) return true;
    } else if (server_.bind_to_port(host_, port_)) {
        return true;
    }
    error = fmt::format("cannot listen on {}: {}", opts_.listen, std::strerror(errno));
    return false;
}

std::string Hub::url() const {
    const bool v6 = host_.find(':') != std::string::npos;
    return v6 ? fmt::format("http://[{}]:{}", host_, port_)
              : fmt::format("http://{}:{}", host_, port_);
}

void Hub::stop() {
    if (!started_ || stopped_.exchange(true)) return;
    stopping_ = true;
    uint64_t final_seq = 0;
    {
        std::lock_guard lock(mu_);
        end_capture_locked();
        final_seq = ring_->last_seq();
    }
    if (sse_) sse_->finish(final_seq, std::chrono::steady_clock::now() + std::chrono::seconds(2));
    server_.stop();
    if (server_thread_.joinable()) server_thread_.join();
    {
        std::lock_guard lock(mu_);
        closed_ = true;
    }
    if (journal_) journal_->close();
    stop_sinks();
    ring_->close();
}

uint64_t Hub::last_seq() const {
    return ring_ ? ring_->last_seq() : 0;
}

}  // namespace faultline::hub
