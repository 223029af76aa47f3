#include "event_loop.hpp"

#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace faultline::kmsgmon {

int EventLoop::stop_on_signal(int signal_fd) {
    return watch(signal_fd, POLLIN, [this, signal_fd](short) {
        signalfd_siginfo info;
        while (::read(signal_fd, &info, sizeof info) == sizeof info) {
        }  // drain: every pending stop signal means the same
        stop();
    });
}

int EventLoop::watch(int fd, short events, FdHandler handler) {
    const int id = next_id_++;
    watches_.push_back(Watch{id, fd, events, std::move(handler)});
    return id;
}

void EventLoop::unwatch(int watch_id) {
    std::erase_if(watches_, [&](const Watch& w) { return w.id == watch_id; });
}

int EventLoop::add_timer(Clock::time_point deadline, TimerHandler handler) {
    const int id = next_id_++;
    timers_.push_back(Timer{id, deadline, std::move(handler)});
    return id;
}

void EventLoop::cancel_timer(int timer_id) {
    std::erase_if(timers_, [&](const Timer& t) { return t.id == timer_id; });
}

int EventLoop::timeout_ms(Clock::time_point now) const {
    if (timers_.empty()) return -1;
    auto earliest = std::min_element(timers_.begin(), timers_.end(), [](auto& a, auto& b) {
                        return a.deadline < b.deadline;
                    })->deadline;
    if (earliest <= now) return 0;
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(earliest - now).count();
    const long long ms = (us + 999) / 1000;
    return ms > 24 * 3600 * 1000LL ? 24 * 3600 * 1000 : static_cast<int>(ms);
}

void EventLoop::run_due_timers(Clock::time_point now) {
    // Collect first: handlers may add or cancel timers.
    std::vector<int> due;
    for (const auto& t : timers_)
        if (t.deadline <= now) due.push_back(t.id);
    for (int id : due) {
        auto it = std::find_if(timers_.begin(), timers_.end(), [&](auto& t) { return t.id == id; });
        if (it == timers_.end()) continue;  // cancelled by an earlier handler
        TimerHandler h = std::move(it->handler);
        timers_.erase(it);
        h();
        if (stopping_) return;
    }
}

void EventLoop::dispatch(const std::vector<pollfd>& fds, const std::vector<int>& ids) {
    for (size_t i = 0; i < fds.size() && !stopping_; ++i) {
        if (!fds[i].revents) continue;
        // Look the watch up again: an earlier handler may have removed it.
        auto it =
            std::find_if(watches_.begin(), watches_.end(), [&](auto& w) { return w.id == ids[i]; });
        if (it == watches_.end()) continue;
        FdHandler h = it->handler;  // copy: the handler may unwatch itself
        h(fds[i].revents);
    }
}

bool EventLoop::run(std::string& error) {
    stopping_ = false;
    std::vector<pollfd> fds;
    std::vector<int> ids;
    while (!stopping_ && (!watches_.empty() || !timers_.empty())) {
        fds.clear();
        ids.clear();
        for (const auto& w : watches_) {
            fds.push_back(pollfd{w.fd, w.events, 0});
            ids.push_back(w.id);
        }
        const int n = poll(fds.data(), fds.size(), timeout_ms(Clock::now()));
        if (n < 0) {
            if (errno == EINTR) continue;
            error = std::string("poll: ") + std::strerror(errno);
            return false;
        }
        if (n > 0) dispatch(fds, ids);
        if (!stopping_) run_due_timers(Clock::now());
    }
    return true;
}

}  // namespace faultline::kmsgmon
