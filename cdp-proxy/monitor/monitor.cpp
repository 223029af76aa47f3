#include "monitor/monitor.hpp"

#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>

#include <chrono>
#include <cstdio>

#include "faultline/json_writer.hpp"
#include "monitor/browser_session.hpp"
#include "monitor/cdp_connection.hpp"

namespace faultline::monitor {

namespace {

int64_t steady_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// 0, 250 ms, 500 ms, 1 s, then 2 s between reconnect attempts (the replaced system's telemetry
// spec, §8.9).
int64_t backoff_ms(uint64_t attempt) {
    static constexpr int64_t kSteps[] = {0, 250, 500, 1000};
    return attempt < 4 ? kSteps[attempt] : 2000;
}

// After the budget is spent (or while init keeps failing): 2 s doubling up to this cap, so
// crash detection comes back by itself when Chromium does, even at the same URL.
constexpr int64_t kRetryCapMs = 10000;

int64_t capped_backoff_ms(uint64_t retry) {
    return std::min<int64_t>(kRetryCapMs, 2000LL << std::min<uint64_t>(retry, 8));
}

void drain(int fd) {
    eventfd_t v;
    (void)eventfd_read(fd, &v);
}

faultline::Source monitor_source(const std::string& host) {
    faultline::Source s = cdp::event_source(host);
    s.name = "monitor";
    return s;
}

}  // namespace

// The eventfd that wakes the loop; shared with the discovery watcher, which may outlive us.
struct Monitor::Wake {
    UniqueFd fd{eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)};
    void poke() const { (void)eventfd_write(fd.get(), 1); }
};

Monitor::Monitor(MonitorOptions opts, cdp::UpstreamDiscovery& discovery, cdp::EventSink sink)
    : opts_(opts), discovery_(discovery), sink_(std::move(sink)), wake_(std::make_shared<Wake>()) {}

Monitor::~Monitor() {
    stop();
}

bool Monitor::start(std::string& error) {
    stop_fd_.reset(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    if (!stop_fd_ || !wake_->fd) {
        error = "monitor: cannot create an eventfd";
        return false;
    }
    discovery_.watch([w = std::weak_ptr<Wake>(wake_)] {
        if (auto p = w.lock()) p->poke();
    });
    thread_ = std::thread([this] { run(); });
    return true;
}

void Monitor::stop() {
    if (stopping_.exchange(true)) return;
    if (stop_fd_) (void)eventfd_write(stop_fd_.get(), 1);
    if (thread_.joinable()) thread_.join();
}

void Monitor::set_categories(const std::vector<std::string>& categories) {
    {
        std::lock_guard lock(mu_);
        categories_ = categories;
        ++categories_version_;
    }
    wake_->poke();
}

void Monitor::emit(std::string_view type, std::string data, std::string ts) {
    Event e = make_event(type, std::move(data), monitor_source(opts_.host));
    if (!ts.empty()) e.ts = std::move(ts);
    sink_(std::move(e));
}

bool Monitor::wait(int64_t ms) {
    pollfd fds[2] = {{stop_fd_.get(), POLLIN, 0}, {wake_->fd.get(), POLLIN, 0}};
    if (poll(fds, 2, static_cast<int>(ms)) > 0 && (fds[1].revents & POLLIN)) drain(wake_->fd.get());
    return !stopping_;
}

void Monitor::run() {
    pthread_setname_np(pthread_self(), "cdp-monitor");  // its CPU time is measurable on its own
    bool lost = false;                                  // connected once and lost it since
    int64_t lost_at = 0;
    uint64_t attempts = 0, retries = 0;  // dials since the last success; dials past the budget
    bool gave_up = false;
    std::string error;
    while (!stopping_) {
        const cdp::UpstreamSnapshot snap = discovery_.current();
        if (!snap.url) {
            if (!wait(1000)) break;
            continue;
        }
        CdpConnection conn;
        ++attempts;
        const auto deadline = cdp::Clock::now() + std::chrono::seconds(5);
        if (!conn.open(*snap.url, deadline, stop_fd_.get(), error)) {
            discovery_.report_failure();
            if (lost && !gave_up && attempts >= opts_.reconnect_attempts) {
                emit("monitor_reconnect_failed", JsonObject()
                                                     .add("reason", "reconnect_exhausted")
                                                     .add("attempts", attempts)
                                                     .add("error", error)
                                                     .finish());
                opts_.log(
                    fmt::format("gave up reconnecting after {} attempts ({}); retrying every "
                                "{} s at most until Chromium answers",
                                attempts, error, kRetryCapMs / 1000));
                gave_up = true;
            }
            const int64_t delay = gave_up ? capped_backoff_ms(retries++)
                                  : lost  ? backoff_ms(attempts)
                                          : 1000;
            if (!wait(delay)) break;
            continue;
        }
        opts_.log(fmt::format("attached to {}", snap.url->url));
        connected_ = true;
        const End end = serve(conn, snap, lost ? steady_ms() - lost_at : -1, attempts);
        connected_ = false;
        if (end == End::stopped) break;
        if (end == End::init_failed || !ready_) {  // connected but unusable: again, quietly
            if (!wait(capped_backoff_ms(retries++))) break;
            continue;
        }
        attempts = retries = 0;
        gave_up = false;
        emit("monitor_disconnected", JsonObject()
                                         .add("reason", end_reason(end))
                                         .add("upstream_url", snap.url->url)
                                         .finish());
        lost = true;
        lost_at = steady_ms();
        discovery_.report_failure();
    }
}

Monitor::End Monitor::serve(CdpConnection& conn, const cdp::UpstreamSnapshot& snap,
                            int64_t reconnect_ms, uint64_t attempts) {
    BrowserSession session(
        conn, opts_, [this](std::string_view t, std::string d) { emit(t, std::move(d)); },
        [this](std::string_view t, std::string d, std::string ts) {
            emit(t, std::move(d), std::move(ts));
        });
    ready_ = false;  // monitor_reconnected waits for init to succeed
    std::string step;
    if (!session.init(step)) return init_failed(step, "the connection closed");
    uint64_t seen_categories = UINT64_MAX;
    std::vector<std::string> messages;
    std::string error;
    for (;;) {
        const int64_t now = steady_ms();
        if (ready_) {  // attach only to a browser that accepted init
            std::unique_lock lock(mu_);
            if (seen_categories != categories_version_) {
                seen_categories = categories_version_;
                const std::vector<std::string> cats = categories_;
                lock.unlock();
                session.set_categories(cats, now);
            }
        }
        session.on_timer(now);
        if (!session.init_failed_step().empty())
            return init_failed(session.init_failed_step(), session.init_error());
        if (!ready_ && session.initialized()) {
            ready_ = true;
            init_failed_reported_ = false;
            if (reconnect_ms >= 0)
                emit("monitor_reconnected", JsonObject()
                                                .add("reconnect_duration_ms", reconnect_ms)
                                                .add("upstream_url", snap.url->url)
                                                .add("attempts", attempts)
                                                .finish());
        }
        if (session.unresponsive(now)) {
            opts_.log(fmt::format("Chromium has not answered for {} s; reconnecting",
                                  (kProbeIdleMs + kUnresponsiveMs) / 1000));
            session.flush(now);
            return End::unresponsive;
        }
        const auto due = session.next_deadline(now);
        const int timeout = due ? static_cast<int>(std::min<int64_t>(*due - now, 1000)) : 1000;
        pollfd fds[3] = {
            {stop_fd_.get(), POLLIN, 0}, {wake_->fd.get(), POLLIN, 0}, {conn.fd(), POLLIN, 0}};
        if (poll(fds, 3, std::max(timeout, 1)) < 0) continue;
        if (stopping_) {
            session.flush(steady_ms());
            return End::stopped;
        }
        if (fds[1].revents & POLLIN) {
            drain(wake_->fd.get());
            const cdp::UpstreamSnapshot cur = discovery_.current();
            if (cur.url && cur.url->url != snap.url->url) {
                session.flush(steady_ms());
                return End::chrome_restarted;
            }
        }
        if (fds[2].revents & (POLLIN | POLLHUP | POLLERR)) {
            messages.clear();
            const bool ok = conn.read_available(messages, error);
            const int64_t t = steady_ms();
            for (const auto& m : messages) session.on_message(m, t);
            if (!ok) {
                opts_.log(fmt::format("lost Chromium: {}", error));
                session.flush(t);
                return End::connection_lost;
            }
        }
    }
}

Monitor::End Monitor::init_failed(const std::string& step, std::string_view error) {
    if (!init_failed_reported_) {  // once until an init succeeds again
        init_failed_reported_ = true;
        JsonObject o;
        o.add("step", step);
        if (!error.empty()) o.add("error", error);
        emit("monitor_init_failed", o.finish());
        opts_.log(fmt::format("init failed ({}); retrying", step));
    }
    return End::init_failed;
}

std::string_view Monitor::end_reason(End end) {
    switch (end) {
        case End::chrome_restarted:
            return "chrome_restarted";
        case End::unresponsive:
            return "unresponsive";
        default:
            return "connection_lost";
    }
}

}  // namespace faultline::monitor
