#include "monitor/monitor.hpp"

#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

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

// 0, 250 ms, 500 ms, 1 s, then 2 s between reconnect attempts (spec §8.9).
int64_t backoff_ms(uint64_t attempt) {
    static constexpr int64_t kSteps[] = {0, 250, 500, 1000};
    return attempt < 4 ? kSteps[attempt] : 2000;
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
    int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    ~Wake() {
        if (fd >= 0) ::close(fd);
    }
    void poke() const { (void)eventfd_write(fd, 1); }
};

Monitor::Monitor(MonitorOptions opts, cdp::UpstreamDiscovery& discovery, cdp::EventSink sink)
    : opts_(opts), discovery_(discovery), sink_(std::move(sink)), wake_(std::make_shared<Wake>()) {}

Monitor::~Monitor() {
    stop();
    if (stop_fd_ >= 0) ::close(stop_fd_);
}

bool Monitor::start(std::string& error) {
    stop_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (stop_fd_ < 0 || wake_->fd < 0) {
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
    if (stop_fd_ >= 0) (void)eventfd_write(stop_fd_, 1);
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

void Monitor::emit(std::string_view type, std::string data) {
    sink_(make_event(type, std::move(data), monitor_source(opts_.host)));
}

bool Monitor::wait(int64_t ms) {
    pollfd fds[2] = {{stop_fd_, POLLIN, 0}, {wake_->fd, POLLIN, 0}};
    if (poll(fds, 2, static_cast<int>(ms)) > 0 && (fds[1].revents & POLLIN)) drain(wake_->fd);
    return !stopping_;
}

void Monitor::run() {
    pthread_setname_np(pthread_self(), "cdp-monitor");  // its CPU time is measurable on its own
    bool lost = false;                                  // connected once and lost it since
    int64_t lost_at = 0;
    uint64_t attempts = 0;
    bool gave_up = false;
    uint64_t gave_up_version = 0;
    std::string last_url, error;
    while (!stopping_) {
        const cdp::UpstreamSnapshot snap = discovery_.current();
        if (!snap.url || (gave_up && snap.version == gave_up_version)) {
            if (!wait(1000)) break;
            continue;
        }
        gave_up = false;
        CdpConnection conn;
        ++attempts;
        if (!conn.open(*snap.url, cdp::Clock::now() + std::chrono::seconds(5), stop_fd_, error)) {
            discovery_.report_failure();
            if (lost && attempts >= opts_.reconnect_attempts) {
                emit("monitor_reconnect_failed", JsonObject()
                                                     .add("reason", "reconnect_exhausted")
                                                     .add("attempts", attempts)
                                                     .add("error", error)
                                                     .finish());
                gave_up = true, gave_up_version = discovery_.current().version, attempts = 0;
                continue;
            }
            if (!wait(lost ? backoff_ms(attempts) : 1000)) break;
            continue;
        }
        if (lost)
            emit("monitor_reconnected", JsonObject()
                                            .add("reconnect_duration_ms", steady_ms() - lost_at)
                                            .add("upstream_url", snap.url->url)
                                            .add("attempts", attempts)
                                            .finish());
        opts_.log(fmt::format("attached to {}", snap.url->url));
        attempts = 0;
        connected_ = true;
        const End end = serve(conn, snap);
        connected_ = false;
        if (end == End::stopped) break;
        emit("monitor_disconnected",
             JsonObject()
                 .add("reason",
                      end == End::chrome_restarted ? "chrome_restarted" : "connection_lost")
                 .add("upstream_url", snap.url->url)
                 .finish());
        lost = true;
        lost_at = steady_ms();
        discovery_.report_failure();
    }
}

Monitor::End Monitor::serve(CdpConnection& conn, const cdp::UpstreamSnapshot& snap) {
    BrowserSession session(conn, opts_,
                           [this](std::string_view t, std::string d) { emit(t, std::move(d)); });
    std::string step;
    if (!session.init(step)) emit("monitor_init_failed", JsonObject().add("step", step).finish());
    uint64_t seen_categories = UINT64_MAX;
    std::vector<std::string> messages;
    std::string error;
    for (;;) {
        const int64_t now = steady_ms();
        {
            std::unique_lock lock(mu_);
            if (seen_categories != categories_version_) {
                seen_categories = categories_version_;
                const std::vector<std::string> cats = categories_;
                lock.unlock();
                session.set_categories(cats, now);
            }
        }
        session.on_timer(now);
        const auto due = session.next_deadline(now);
        const int timeout = due ? static_cast<int>(std::min<int64_t>(*due - now, 1000)) : 1000;
        pollfd fds[3] = {{stop_fd_, POLLIN, 0}, {wake_->fd, POLLIN, 0}, {conn.fd(), POLLIN, 0}};
        if (poll(fds, 3, std::max(timeout, 1)) < 0) continue;
        if (stopping_) {
            session.flush(steady_ms());
            return End::stopped;
        }
        if (fds[1].revents & POLLIN) {
            drain(wake_->fd);
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

}  // namespace faultline::monitor
