#include "proxy/relay.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

namespace faultline::proxy {

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kClient = 0, kUpstream = 1;
constexpr size_t kScratch = 256 * 1024;
constexpr uint64_t kWakeKey = ~uint64_t{0};
constexpr auto kTick = std::chrono::milliseconds(100);

EndCause cause_of(int side) {
    return side == kClient ? EndCause::client_ended : EndCause::upstream_ended;
}

// A server-to-client Close frame (unmasked) with a status code and a short reason.
std::string close_frame(uint16_t code, std::string_view reason) {
    std::string f;
    f.push_back(static_cast<char>(0x88));
    f.push_back(static_cast<char>(2 + reason.size()));
    f.push_back(static_cast<char>(code >> 8));
    f.push_back(static_cast<char>(code & 0xff));
    f.append(reason);
    return f;
}

}  // namespace

// Bytes read from one side on their way to the other.
struct Relay::Pipe {
    std::string pending;  // what the receiver has not taken yet (at most one read)
    size_t offset = 0;
    cdp::FrameScanner scanner;
    bool has_pending() const { return offset < pending.size(); }
};

struct Relay::Conn {
    uint64_t key = 0;
    ConnectionInfo info;
    UniqueFd fd[2];
    Pipe pipe[2];  // pipe[s]: read from side s, written to side 1-s
    uint32_t armed[2] = {0, 0};
    Clock::time_point stalled_since;  // last write progress to the client while bytes wait
    std::optional<uint16_t> close_code;
    bool ending = false, done = false;
    int ended_side = kClient;
    EndCause cause = EndCause::client_ended;
    ConnectionEnd end;
    Clock::time_point drain_deadline;
};

Relay::Relay(RelayOptions options, cdp::UpstreamDiscovery& discovery, EventSink sink)
    : options_(options), discovery_(discovery), sink_(std::move(sink)), scratch_(kScratch) {}

Relay::~Relay() {
    stop();  // connections still in incoming_ close with it
}

bool Relay::start(std::string& error) {
    epoll_fd_.reset(epoll_create1(EPOLL_CLOEXEC));
    wake_fd_.reset(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    if (!epoll_fd_ || !wake_fd_) {
        error = std::string("relay: ") + std::strerror(errno);
        return false;
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kWakeKey;
    epoll_ctl(epoll_fd_.get(), EPOLL_CTL_ADD, wake_fd_.get(), &ev);
    discovery_.watch([this] {
        url_changed_ = true;
        wake();
    });
    thread_ = std::thread([this] { loop(); });
    return true;
}

void Relay::wake() {
    uint64_t one = 1;
    [[maybe_unused]] ssize_t n = write(wake_fd_.get(), &one, sizeof one);
}

void Relay::add(RelayStart conn) {
    {
        std::lock_guard lock(mu_);
        if (!stopping_ && thread_.joinable()) {
            incoming_.push_back(std::move(conn));
            ++active_;
            wake();
            return;
        }
    }
    // Too late: the relay is gone. The connection ends before it began.
    conn.client_fd.reset();
    conn.upstream_fd.reset();
    ConnectionEnd end;
    end.ts = now_rfc3339();
    end.ended = Clock::now();
    publish(conn.info, end, DisconnectReason::context_cancelled);
}

void Relay::stop() {
    {
        std::lock_guard lock(mu_);
        if (stopped_) return;
        stopping_ = true;
    }
    if (thread_.joinable()) {
        wake();
        thread_.join();
    }
    std::lock_guard lock(mu_);
    stopped_ = true;
}

void Relay::loop() {
    epoll_event events[64];
    auto last_check = Clock::now();
    for (;;) {
        const bool timed = !conns_.empty() || !awaiting_.empty();
        int n = epoll_wait(epoll_fd_.get(), events, 64, timed ? int(kTick.count()) : -1);
        if (n < 0 && errno != EINTR) {
            options_.log(std::string("relay: epoll_wait: ") + std::strerror(errno));
            break;
        }
        for (int i = 0; i < n; ++i) {
            const uint64_t data = events[i].data.u64;
            if (data == kWakeKey) {
                uint64_t v;
                [[maybe_unused]] ssize_t r = read(wake_fd_.get(), &v, sizeof v);
                continue;
            }
            auto it = conns_.find(data >> 1);
            if (it == conns_.end()) continue;  // finished earlier in this batch
            Conn& c = *it->second;
            on_event(c, static_cast<int>(data & 1), events[i].events);
            if (c.done)
                finish(c.key);
            else
                update_interest(c);
        }
        take_new();
        if (url_changed_.exchange(false)) on_upstream_change();
        bool stopping;
        {
            std::lock_guard lock(mu_);
            stopping = stopping_;
        }
        if (stopping) {
            check_timers(true);
            break;
        }
        if (Clock::now() - last_check >= kTick) {
            check_timers(false);
            last_check = Clock::now();
        }
    }
}

void Relay::take_new() {
    std::vector<RelayStart> batch;
    {
        std::lock_guard lock(mu_);
        batch.swap(incoming_);
    }
    for (auto& start : batch) {
        auto c = std::make_unique<Conn>();
        c->key = next_key_++;
        c->info = std::move(start.info);
        c->fd[kClient] = std::move(start.client_fd);
        c->fd[kUpstream] = std::move(start.upstream_fd);
        for (int s : {kClient, kUpstream}) {
            std::string& initial = s == kClient ? start.client_bytes : start.upstream_bytes;
            c->pipe[s].scanner.feed(reinterpret_cast<const unsigned char*>(initial.data()),
                                    initial.size());
            c->pipe[s].pending = std::move(initial);
            epoll_event ev{};
            ev.data.u64 = (c->key << 1) | static_cast<uint64_t>(s);
            epoll_ctl(epoll_fd_.get(), EPOLL_CTL_ADD, c->fd[s].get(), &ev);
        }
        c->stalled_since = Clock::now();
        Conn& ref = *c;
        conns_.emplace(c->key, std::move(c));
        update_interest(ref);
    }
}

void Relay::on_event(Conn& c, int side, uint32_t events) {
    const int other = 1 - side;
    if (c.ending) {  // draining pipe[ended_side] into the other side
        if (side != c.ended_side && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
            c.done = !flush(c, c.ended_side) || !c.pipe[c.ended_side].has_pending();
        return;
    }
    if (events & EPOLLOUT) {
        if (!flush(c, other)) return end(c, cause_of(side));
    }
    if (events & (EPOLLERR | EPOLLHUP)) {
        // Nothing more will come or go on this socket: read what is left if we may, then end.
        if (!c.pipe[side].has_pending()) pump(c, side);
        if (!c.ending) end(c, cause_of(side));
        return;
    }
    if (events & EPOLLIN) pump(c, side);
}

// Reads from side and writes straight on to the other side; what the other side does not take
// stays in pipe[side].pending and reading pauses until it is flushed.
void Relay::pump(Conn& c, int side) {
    const int other = 1 - side;
    Pipe& p = c.pipe[side];
    for (int round = 0; round < 8 && !p.has_pending(); ++round) {
        ssize_t n = recv(c.fd[side].get(), scratch_.data(), scratch_.size(), 0);
        if (n == 0) return end(c, cause_of(side));
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return;
            return end(c, cause_of(side));
        }
        p.scanner.feed(scratch_.data(), static_cast<size_t>(n));
        if (!c.close_code && p.scanner.stats().close_code)
            c.close_code = p.scanner.stats().close_code;
        ssize_t w = send(c.fd[other].get(), scratch_.data(), static_cast<size_t>(n), MSG_NOSIGNAL);
        if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            // The receiver is gone; what was just read still counts as received from side.
            return end(c, cause_of(other));
        }
        if (w < 0) w = 0;
        if (w < n) {
            p.pending.assign(reinterpret_cast<const char*>(scratch_.data()) + w,
                             static_cast<size_t>(n - w));
            p.offset = 0;
            if (side == kUpstream) c.stalled_since = Clock::now();
            return;
        }
        if (static_cast<size_t>(n) < scratch_.size()) return;  // drained for now
    }
}

// Writes pipe[side].pending to the other side. Returns false when that socket failed.
bool Relay::flush(Conn& c, int side) {
    Pipe& p = c.pipe[side];
    const int to = 1 - side;
    while (p.has_pending()) {
        ssize_t w = send(c.fd[to].get(), p.pending.data() + p.offset, p.pending.size() - p.offset,
                         MSG_NOSIGNAL);
        if (w > 0) {
            p.offset += static_cast<size_t>(w);
            if (to == kClient) c.stalled_since = Clock::now();
            continue;
        }
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
        return false;
    }
    std::string().swap(p.pending);  // give the memory back: idle connections stay small
    p.offset = 0;
    return true;
}

void Relay::update_interest(Conn& c) {
    for (int s : {kClient, kUpstream}) {
        uint32_t want = 0;
        if (c.ending) {
            if (s == c.ended_side) continue;  // removed from epoll in end()
            if (c.pipe[c.ended_side].has_pending()) want = EPOLLOUT;
        } else {
            if (!c.pipe[s].has_pending()) want |= EPOLLIN;
            if (c.pipe[1 - s].has_pending()) want |= EPOLLOUT;
        }
        if (want == c.armed[s]) continue;
        epoll_event ev{};
        ev.events = want;
        ev.data.u64 = (c.key << 1) | static_cast<uint64_t>(s);
        epoll_ctl(epoll_fd_.get(), EPOLL_CTL_MOD, c.fd[s].get(), &ev);
        c.armed[s] = want;
    }
}

// The relay ended now: pin the time and counters, then drain or finish.
void Relay::end(Conn& c, EndCause cause) {
    if (c.ending) return;
    c.ending = true;
    c.cause = cause;
    c.end.ts = now_rfc3339();
    c.end.ended = Clock::now();
    c.ended_side = cause == EndCause::upstream_ended ? kUpstream : kClient;
    if (cause == EndCause::upstream_ended) discovery_.report_failure();
    const bool drain = (cause == EndCause::client_ended || cause == EndCause::upstream_ended) &&
                       c.pipe[c.ended_side].has_pending();
    if (cause == EndCause::upstream_replaced || cause == EndCause::shutdown) {
        // Tell the client why, when no frame is half-sent to it.
        if (!c.pipe[kUpstream].has_pending() && c.pipe[kUpstream].scanner.at_frame_boundary()) {
            std::string f = close_frame(
                1001, cause == EndCause::shutdown ? "proxy shutting down" : "upstream changed");
            [[maybe_unused]] ssize_t w =
                send(c.fd[kClient].get(), f.data(), f.size(), MSG_NOSIGNAL);
        }
    }
    if (drain) {
        // The ended side is of no further interest (and a hung-up socket would keep firing).
        epoll_ctl(epoll_fd_.get(), EPOLL_CTL_DEL, c.fd[c.ended_side].get(), nullptr);
        c.armed[c.ended_side] = 0;
        c.drain_deadline = Clock::now() + options_.drain_timeout;
        if (!flush(c, c.ended_side) || !c.pipe[c.ended_side].has_pending()) c.done = true;
    } else {
        c.done = true;
    }
    if (cause == EndCause::slow_client)
        options_.log(fmt::format("connection {}: client stopped reading for {} ms; cut off",
                                 c.info.id, options_.slow_client_timeout.count()));
}

bool Relay::url_changed_since(const ConnectionInfo& info) const {
    cdp::UpstreamSnapshot now = discovery_.current();
    return now.url && now.url->url != info.browser_url;
}

void Relay::finish(uint64_t key) {
    auto it = conns_.find(key);
    if (it == conns_.end()) return;
    Conn& c = *it->second;
    for (int s : {kClient, kUpstream}) {
        epoll_ctl(epoll_fd_.get(), EPOLL_CTL_DEL, c.fd[s].get(), nullptr);
        c.fd[s].reset();
    }
    c.end.from_client = c.pipe[kClient].scanner.stats();
    c.end.from_upstream = c.pipe[kUpstream].scanner.stats();
    c.end.close_code = c.close_code;
    std::optional<DisconnectReason> r =
        immediate_reason(c.cause, c.end.from_client.close_seen, url_changed_since(c.info));
    if (r)
        publish(c.info, c.end, *r);
    else
        awaiting_.push_back({c.info, c.end, c.end.ended + options_.restart_confirm_wait});
    conns_.erase(it);
    --active_;
}

void Relay::check_timers(bool stopping) {
    const auto now = Clock::now();
    std::vector<uint64_t> to_finish;
    for (auto& [key, c] : conns_) {
        if (stopping) {
            if (!c->ending) end(*c, EndCause::shutdown);
            c->done = true;
        } else if (c->ending) {
            if (now >= c->drain_deadline) c->done = true;
        } else if (c->pipe[kUpstream].has_pending() &&
                   now - c->stalled_since >= options_.slow_client_timeout) {
            end(*c, EndCause::slow_client);
        }
        if (c->done) to_finish.push_back(key);
    }
    for (uint64_t key : to_finish) finish(key);
    // Connections that ended on Chromium's side wait for a new URL (restart) or the deadline.
    std::erase_if(awaiting_, [&](const Awaiting& a) {
        const bool changed = url_changed_since(a.info);
        if (!changed && !stopping && now < a.deadline) return false;
        publish(a.info, a.end, reason_after_wait(changed));
        return true;
    });
    if (stopping) {  // connections handed over while stopping
        take_new();
        for (auto& [key, c] : conns_) {
            end(*c, EndCause::shutdown);
            to_finish.push_back(key);
        }
        for (uint64_t key : to_finish) finish(key);
    }
}

void Relay::on_upstream_change() {
    std::vector<uint64_t> stale;
    for (auto& [key, c] : conns_)
        if (!c->ending && url_changed_since(c->info)) stale.push_back(key);
    for (uint64_t key : stale) {
        Conn& c = *conns_[key];
        end(c, EndCause::upstream_replaced);
        finish(key);
    }
    check_timers(false);
}

void Relay::publish(const ConnectionInfo& info, const ConnectionEnd& end, DisconnectReason r) {
    if (sink_) sink_(disconnect_event(info, end, r, options_.source));
}

}  // namespace faultline::proxy
