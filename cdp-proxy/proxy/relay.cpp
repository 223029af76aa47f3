#include "proxy/relay.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "proxy/command_head.hpp"

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

// Chromium's Inspector.detached reason from a page socket's message head, if it is one.
void note_detached(std::string_view head, std::string& out) {
    constexpr std::string_view kDetached = R"({"method":"Inspector.detached")";
    if (!head.starts_with(kDetached)) return;
    constexpr std::string_view kReason = R"("reason":")";
    size_t at = head.find(kReason);
    if (at == std::string_view::npos) return;
    at += kReason.size();
    size_t stop = head.find('"', at);
    if (stop != std::string_view::npos) out.assign(head.substr(at, stop - at));
}

std::string seconds(std::chrono::milliseconds ms) {
    return fmt::format("{:g}", static_cast<double>(ms.count()) / 1000);
}

}  // namespace

// Bytes read from one side on their way to the other.
struct Relay::Pipe {
    std::string pending;  // what the receiver has not taken yet (at most one read)
    size_t offset = 0;
    std::string held;  // client side: the start of a frame header not checked yet (< 14 bytes)
    cdp::FrameScanner scanner;
    bool has_pending() const { return offset < pending.size(); }
};

// relaying -> (draining: the client ended, its last bytes go to Chromium) -> finished, or
// relaying -> (deciding: Chromium ended, did it restart?) -> closing (our Close frame goes out
// after what Chromium sent, then the client's Close is awaited) -> finished.
enum class Phase { relaying, draining, deciding, closing };

struct Relay::Conn {
    uint64_t key = 0;
    ConnectionInfo info;
    UniqueFd fd[2];
    Pipe pipe[2];  // pipe[s]: read from side s, written to side 1-s
    uint32_t armed[2] = {0, 0};
    Clock::time_point stalled_since;  // last write progress to the client while bytes wait
    std::optional<uint16_t> close_code;
    Phase phase = Phase::relaying;
    bool done = false;
    int ended_side = kClient;
    EndCause cause = EndCause::client_ended;
    ConnectionEnd end;
    Clock::time_point deadline;  // of the drain, the decision or the close handshake
    std::optional<DisconnectReason> reason;
    std::string detached;               // Chromium's Inspector.detached reason (page sockets)
    std::optional<uint16_t> sent_code;  // our Close frame's code
    bool awaiting_answer = false;       // our Close went out; the client's has not come yet
    cdp::FrameScanner answer;           // what the client sends while closing
    // control: commands sent and not answered yet, by id (a client may reuse an id across
    // sessions: the reply's sessionId picks among them).
    std::unordered_multimap<int64_t, CommandRecord> commands;
};

namespace {
constexpr size_t kMaxOpenCommands = 10000;  // per connection; more are not recorded
}  // namespace

Relay::Relay(RelayOptions options, cdp::UpstreamDiscovery& discovery, EventSink sink,
             CommandSink commands)
    : options_(options),
      discovery_(discovery),
      sink_(std::move(sink)),
      commands_(std::move(commands)),
      scratch_(kScratch) {
    if (!commands_ && sink_)
        commands_ = [sink = sink_, source = options_.source](CommandObserved c) {
            sink(command_event(c, source));
        };
}

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
        const bool timed = !conns_.empty();
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
        if (control_changed_.exchange(false)) {
            {
                std::lock_guard lock(control_mu_);
                control_ = control_next_;
                excluded_ = {excluded_next_.begin(), excluded_next_.end()};
            }
            for (auto& [key, c] : conns_) watch_messages(*c);
        }
        take_new();
        if (url_changed_.exchange(false)) on_upstream_change();
        bool stopping;
        {
            std::lock_guard lock(mu_);
            stopping = stopping_;
        }
        if (stopping) {
            // Tell every client (1001), then give them close_wait to answer.
            if (!closing_all_) {
                closing_all_ = true;
                stop_deadline_ = Clock::now() + options_.close_wait;
            }
            check_timers(true);
            if (conns_.empty() || Clock::now() >= stop_deadline_) {
                std::vector<uint64_t> keys;
                for (auto& [key, c] : conns_) keys.push_back(key);
                for (uint64_t key : keys) finish(key);
                break;
            }
            continue;
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
        watch_messages(*c);
        c->pipe[kClient].scanner.check_client_frames();
        for (int s : {kClient, kUpstream}) {
            std::string& initial = s == kClient ? start.client_bytes : start.upstream_bytes;
            Pipe& p = c->pipe[s];
            p.scanner.feed(reinterpret_cast<const unsigned char*>(initial.data()), initial.size());
            const size_t held = static_cast<size_t>(p.scanner.held_back());
            if (p.scanner.protocol_error().empty()) p.held.assign(initial, initial.size() - held);
            initial.resize(initial.size() - held);
            p.pending = std::move(initial);
            epoll_event ev{};
            ev.data.u64 = (c->key << 1) | static_cast<uint64_t>(s);
            epoll_ctl(epoll_fd_.get(), EPOLL_CTL_ADD, c->fd[s].get(), &ev);
        }
        c->stalled_since = Clock::now();
        Conn& ref = *c;
        conns_.emplace(c->key, std::move(c));
        if (!ref.pipe[kClient].scanner.protocol_error().empty())
            end(ref, EndCause::client_protocol_error);
        if (ref.done)
            finish(ref.key);
        else
            update_interest(ref);
    }
}

void Relay::on_event(Conn& c, int side, uint32_t events) {
    const int other = 1 - side;
    switch (c.phase) {
        case Phase::draining:  // pipe[kClient] into Chromium
            if (side == kUpstream && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
                c.done = !flush(c, kClient) || !c.pipe[kClient].has_pending();
            return;
        case Phase::deciding:  // Chromium's last bytes go on to the client meanwhile
            if (side != kClient) return;
            if ((events & (EPOLLERR | EPOLLHUP)) || ((events & EPOLLOUT) && !flush(c, kUpstream)))
                drop_fd(c, kClient);  // the client went: nobody to tell
            return;
        case Phase::closing:
            if (side == kClient) on_closing(c, events);
            return;
        case Phase::relaying:
            break;
    }
    if (events & EPOLLOUT) {
        if (!flush(c, other)) return end(c, cause_of(side));
    }
    if (events & (EPOLLERR | EPOLLHUP)) {
        // Nothing more will come or go on this socket: read what is left if we may, then end.
        if (!c.pipe[side].has_pending()) pump(c, side);
        if (c.phase == Phase::relaying) end(c, cause_of(side));
        return;
    }
    if (events & EPOLLIN) pump(c, side);
}

// The close handshake with the client: our Close (and what preceded it) goes out, its answer is
// read and thrown away until its Close, EOF or the deadline.
void Relay::on_closing(Conn& c, uint32_t events) {
    if ((events & EPOLLOUT) && !flush(c, kUpstream)) {
        c.done = true;
        return;
    }
    if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
        for (int round = 0; round < 8 && c.awaiting_answer; ++round) {
            ssize_t n = recv(c.fd[kClient].get(), scratch_.data(), scratch_.size(), 0);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
            if (n <= 0) {
                c.done = true;  // the client closed its socket: that is its answer
                return;
            }
            c.answer.feed(scratch_.data(), static_cast<size_t>(n));
            if (c.answer.stats().close_seen) c.awaiting_answer = false;
        }
        if ((events & (EPOLLERR | EPOLLHUP)) && c.awaiting_answer) c.done = true;
    }
    if (!c.awaiting_answer && !c.pipe[kUpstream].has_pending()) c.done = true;
}

// Reads from side and writes straight on to the other side; what the other side does not take
// stays in pipe[side].pending and reading pauses until it is flushed.
void Relay::pump(Conn& c, int side) {
    const int other = 1 - side;
    Pipe& p = c.pipe[side];
    for (int round = 0; round < 8 && !p.has_pending(); ++round) {
        // A client's header that was not complete yet goes out ahead of the new bytes.
        const size_t carry = p.held.size();
        if (carry) std::memcpy(scratch_.data(), p.held.data(), carry);
        const ssize_t got =
            recv(c.fd[side].get(), scratch_.data() + carry, scratch_.size() - carry, 0);
        if (got == 0) return end(c, cause_of(side));
        if (got < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return;
            return end(c, cause_of(side));
        }
        // Client bytes are checked before they go on; Chromium's go on first, so that a reply
        // never waits for its cdp_command to be published (control).
        const bool check_first = side == kClient;
        if (check_first) p.scanner.feed(scratch_.data() + carry, static_cast<size_t>(got));
        // Client bytes go on only up to the last checked header; a rule-breaking frame never.
        const size_t read = carry + static_cast<size_t>(got);
        const ssize_t n = static_cast<ssize_t>(read - p.scanner.held_back());
        const bool broken = !p.scanner.protocol_error().empty();
        if (carry || p.scanner.held_back())
            p.held.assign(reinterpret_cast<const char*>(scratch_.data()) + n,
                          broken ? 0 : read - n);
        ssize_t w =
            n == 0 ? 0
                   : send(c.fd[other].get(), scratch_.data(), static_cast<size_t>(n), MSG_NOSIGNAL);
        const int send_errno = errno;
        if (!check_first) p.scanner.feed(scratch_.data(), static_cast<size_t>(got));
        if (!c.close_code && p.scanner.stats().close_code)
            c.close_code = p.scanner.stats().close_code;
        if (w < 0 && send_errno != EAGAIN && send_errno != EWOULDBLOCK && send_errno != EINTR) {
            // The receiver is gone; what was just read still counts as received from side.
            return end(c, cause_of(other));
        }
        if (w < 0) w = 0;
        if (broken) return end(c, EndCause::client_protocol_error);
        if (w < n) {
            p.pending.assign(reinterpret_cast<const char*>(scratch_.data()) + w,
                             static_cast<size_t>(n - w));
            p.offset = 0;
            if (side == kUpstream) c.stalled_since = Clock::now();
            return;
        }
        if (read < scratch_.size()) return;  // drained for now
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
        if (!c.fd[s]) continue;
        uint32_t want = 0;
        switch (c.phase) {
            case Phase::relaying:
                if (!c.pipe[s].has_pending()) want |= EPOLLIN;
                if (c.pipe[1 - s].has_pending()) want |= EPOLLOUT;
                break;
            case Phase::draining:
                if (c.pipe[kClient].has_pending()) want = EPOLLOUT;
                break;
            case Phase::deciding:
                if (c.pipe[kUpstream].has_pending()) want = EPOLLOUT;
                break;
            case Phase::closing:
                if (c.awaiting_answer) want |= EPOLLIN;
                if (c.pipe[kUpstream].has_pending()) want |= EPOLLOUT;
                break;
        }
        if (want == c.armed[s]) continue;
        epoll_event ev{};
        ev.events = want;
        ev.data.u64 = (c.key << 1) | static_cast<uint64_t>(s);
        epoll_ctl(epoll_fd_.get(), EPOLL_CTL_MOD, c.fd[s].get(), &ev);
        c.armed[s] = want;
    }
}

void Relay::drop_fd(Conn& c, int side) {
    if (!c.fd[side]) return;
    epoll_ctl(epoll_fd_.get(), EPOLL_CTL_DEL, c.fd[side].get(), nullptr);
    c.fd[side].reset();
    c.armed[side] = 0;
}

// The relay ended now: pin the time, then drain, decide or tell the client.
void Relay::end(Conn& c, EndCause cause) {
    if (c.phase != Phase::relaying) return;
    c.cause = cause;
    c.end.ts = now_rfc3339();
    c.end.ended = Clock::now();
    c.ended_side = cause == EndCause::client_ended ? kClient : kUpstream;
    if (cause == EndCause::slow_client)
        options_.log(fmt::format("connection {}: client stopped reading for {} ms; cut off",
                                 c.info.id, options_.slow_client_timeout.count()));
    if (cause == EndCause::client_protocol_error)
        options_.log(fmt::format("connection {}: client protocol error ({}); closed with 1002",
                                 c.info.id, c.pipe[kClient].scanner.protocol_error()));
    if (cause == EndCause::client_ended) {
        // Nobody to tell; what the client sent last still goes to Chromium (bounded).
        c.reason = DisconnectReason::client_close;
        drop_fd(c, kClient);
        c.phase = Phase::draining;
        c.deadline = Clock::now() + options_.drain_timeout;
        if (!flush(c, kClient) || !c.pipe[kClient].has_pending()) c.done = true;
        return;
    }
    if (cause == EndCause::upstream_ended) discovery_.report_failure();
    drop_fd(c, kUpstream);  // what it sent last is in pipe[kUpstream] and still goes out
    const bool client_sent_close = c.pipe[kClient].scanner.stats().close_seen;
    std::optional<DisconnectReason> r =
        immediate_reason(cause, client_sent_close, url_changed_since(c.info));
    if (!r && cause == EndCause::upstream_ended && !c.detached.empty())
        r = DisconnectReason::target_closed;  // the page went; the browser did not
    if (r) return decide(c, *r);
    c.phase = Phase::deciding;  // wait for a new DevTools URL (a restart) or the deadline
    c.deadline = c.end.ended + options_.restart_confirm_wait;
}

void Relay::decide(Conn& c, DisconnectReason r) {
    c.reason = r;
    begin_close(c);
}

// Our Close frame goes after what Chromium sent, when that ended on a frame boundary and
// Chromium sent no Close of its own (that one was relayed unchanged).
void Relay::begin_close(Conn& c) {
    c.phase = Phase::closing;
    Pipe& p = c.pipe[kUpstream];
    const bool had_pending = p.has_pending();
    if (c.fd[kClient] && !p.scanner.stats().close_seen && p.scanner.at_frame_boundary()) {
        std::string detail;
        switch (*c.reason) {
            case DisconnectReason::upstream_changed:
                detail = "Chromium restarted";
                break;
            case DisconnectReason::upstream_error:
                detail = "Chromium closed the connection and no new Chromium appeared within " +
                         seconds(options_.restart_confirm_wait) + " s";
                break;
            case DisconnectReason::context_cancelled:
                detail = "the proxy is shutting down";
                break;
            case DisconnectReason::target_closed:
                detail = "Chromium closed the page target (Inspector.detached: " + c.detached + ")";
                break;
            case DisconnectReason::client_close:
                if (c.cause == EndCause::slow_client)
                    detail = "the client stopped reading for " +
                             seconds(options_.slow_client_timeout) + " s (--slow-client-timeout)";
                if (c.cause == EndCause::client_protocol_error)
                    detail =
                        "protocol error: " + std::string(c.pipe[kClient].scanner.protocol_error());
                break;
        }
        CloseNotice notice = close_notice(*c.reason, c.cause, detail);
        if (!had_pending) {
            p.pending.clear();
            p.offset = 0;
        }
        p.pending += cdp::encode_close_frame(notice.code, notice.reason);
        c.sent_code = notice.code;
        // A client that already sent its Close has answered in advance.
        c.awaiting_answer = !c.pipe[kClient].scanner.stats().close_seen;
    }
    auto wait = options_.close_wait;
    if (had_pending && c.cause != EndCause::slow_client) wait += options_.drain_timeout;
    c.deadline = Clock::now() + wait;
    if (!c.fd[kClient] || !flush(c, kUpstream)) {
        c.done = true;
        return;
    }
    if (!c.awaiting_answer && !p.has_pending()) c.done = true;
}

bool Relay::url_changed_since(const ConnectionInfo& info) const {
    cdp::UpstreamSnapshot now = discovery_.current();
    return now.url && now.url->url != info.browser_url;
}

void Relay::finish(uint64_t key) {
    auto it = conns_.find(key);
    if (it == conns_.end()) return;
    Conn& c = *it->second;
    drop_fd(c, kClient);
    drop_fd(c, kUpstream);
    c.end.from_client = c.pipe[kClient].scanner.stats();
    c.end.from_upstream = c.pipe[kUpstream].scanner.stats();
    // Our Close counts once it left: it is the last thing queued for the client, so it left when
    // nothing is left queued (a client that never read it gets no code it did not receive).
    const bool close_left = c.sent_code && !c.pipe[kUpstream].has_pending();
    c.end.close_code = close_left ? c.sent_code : c.close_code;
    const DisconnectReason reason = c.reason.value_or(DisconnectReason::context_cancelled);
    const timespec now = wall_now();
    for (auto& [id, cmd] : c.commands) {  // never answered: recorded with the reason
        cmd.disconnect_reason = reason;
        if (commands_) commands_(CommandObserved{c.info.id, std::move(cmd), now});
    }
    publish(c.info, c.end, reason);
    conns_.erase(it);
    --active_;
}

void Relay::check_timers(bool stopping) {
    const auto now = Clock::now();
    std::vector<uint64_t> to_finish;
    for (auto& [key, cp] : conns_) {
        Conn& c = *cp;
        switch (c.phase) {
            case Phase::relaying:
                if (stopping)
                    end(c, EndCause::shutdown);
                else if (c.pipe[kUpstream].has_pending() &&
                         now - c.stalled_since >= options_.slow_client_timeout)
                    end(c, EndCause::slow_client);
                break;
            case Phase::draining:
                if (stopping || now >= c.deadline) c.done = true;
                break;
            case Phase::deciding: {
                // Ended on Chromium's side: a new URL means a restart, none by the deadline an
                // error.
                const bool changed = url_changed_since(c.info);
                if (changed || stopping || now >= c.deadline) decide(c, reason_after_wait(changed));
                break;
            }
            case Phase::closing:
                if (now >= c.deadline) c.done = true;
                break;
        }
        if (c.done)
            to_finish.push_back(key);
        else
            update_interest(c);
    }
    for (uint64_t key : to_finish) finish(key);
}

void Relay::on_upstream_change() {
    std::vector<uint64_t> stale;
    for (auto& [key, c] : conns_)
        if (c->phase == Phase::relaying && url_changed_since(c->info)) stale.push_back(key);
    for (uint64_t key : stale) {
        Conn& c = *conns_[key];
        end(c, EndCause::upstream_replaced);
        if (c.done)
            finish(key);
        else
            update_interest(c);
    }
    check_timers(false);
}

void Relay::set_control(bool on) {
    {
        std::lock_guard lock(control_mu_);
        control_next_ = on;
    }
    control_changed_ = true;
    wake();
}

void Relay::set_excluded_methods(std::vector<std::string> methods) {
    {
        std::lock_guard lock(control_mu_);
        excluded_next_ = std::move(methods);
    }
    control_changed_ = true;
    wake();
}

// Page sockets always watch Chromium's messages for Inspector.detached (why a page socket
// ends); with control on, both directions' heads are read for cdp_command. Otherwise the
// scanners only count.
void Relay::watch_messages(Conn& c) {
    Conn* conn = &c;
    const bool page = c.info.target == "page";
    if (control_) {
        c.pipe[kClient].scanner.on_text_message(
            [this, conn](const cdp::MessageEdges& m) { on_command(*conn, m); }, kHeadBytes,
            kTailBytes);
        c.pipe[kUpstream].scanner.on_text_message(
            [this, conn, page](const cdp::MessageEdges& m) {
                if (page) note_detached(m.head, conn->detached);
                on_reply(*conn, m);
            },
            kHeadBytes, kTailBytes);
        return;
    }
    c.commands.clear();
    c.pipe[kClient].scanner.on_text_message({}, 0, 0);
    if (page)
        c.pipe[kUpstream].scanner.on_text_message(
            [conn](const cdp::MessageEdges& m) { note_detached(m.head, conn->detached); }, 160, 0);
    else
        c.pipe[kUpstream].scanner.on_text_message({}, 0, 0);
}

void Relay::on_command(Conn& c, const cdp::MessageEdges& m) {
    std::optional<CommandHead> head = parse_command_head(m);
    if (!head || excluded_.contains(head->method) || c.commands.size() >= kMaxOpenCommands) return;
    CommandRecord r;
    r.session_id = std::move(head->session_id);
    r.id = head->id;
    r.method = std::move(head->method);
    r.command_bytes = m.size;
    r.sent = Clock::now();
    c.commands.emplace(r.id, std::move(r));
}

void Relay::on_reply(Conn& c, const cdp::MessageEdges& m) {
    if (c.commands.empty()) return;
    std::optional<ReplyHead> head = parse_reply_head(m);
    if (!head) return;
    // Some replies (errors) come without the sessionId: then the first command with the id.
    auto [first, last] = c.commands.equal_range(head->id);
    if (first == last) return;
    auto it = std::find_if(
        first, last, [&](const auto& kv) { return kv.second.session_id == head->session_id; });
    if (it == last) it = first;
    CommandRecord& r = it->second;
    r.duration_ms = std::chrono::duration<double, std::milli>(Clock::now() - r.sent).count();
    r.error_code = head->error_code;
    r.error_message = std::move(head->error_message);
    r.reply_bytes = m.size;
    if (commands_) commands_(CommandObserved{c.info.id, std::move(r), wall_now()});
    c.commands.erase(it);
}

void Relay::publish(const ConnectionInfo& info, const ConnectionEnd& end, DisconnectReason r) {
    if (sink_) sink_(disconnect_event(info, end, r, options_.source));
}

}  // namespace faultline::proxy
