// A tiny poll(2) loop: fd sources, each with its own handler, plus one-shot timers.
// Idle means idle: with no timer armed, poll() waits with an infinite timeout.
// Other monitors (PSI trigger fds, meminfo sampling) plug in with watch() and add_timer();
// stop signals arrive as a signalfd the loop watches like any other fd.
#pragma once

#include <poll.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace faultline::kmsgmon {

class EventLoop {
  public:
    using Clock = std::chrono::steady_clock;
    // Called with the revents poll() reported for the fd (POLLIN, POLLPRI, POLLERR, POLLHUP...).
    using FdHandler = std::function<void(short revents)>;
    using TimerHandler = std::function<void()>;

    // Watches fd for events (POLLIN, POLLPRI, ...). Returns a watch id for unwatch().
    // The loop never closes fd; the owner does, after unwatch().
    int watch(int fd, short events, FdHandler handler);
    // Stops watching; safe from inside any handler. Unknown ids are ignored.
    void unwatch(int watch_id);

    // Runs handler once at deadline. Returns a timer id for cancel_timer(). Re-arm by adding
    // a new timer from the handler.
    int add_timer(Clock::time_point deadline, TimerHandler handler);
    // Cancels a pending timer; safe from inside any handler. Unknown ids are ignored.
    void cancel_timer(int timer_id);

    // t rounded to the nearest whole second of the steady clock: periodic timers aligned this
    // way fall due together and cost one wake-up between them (nearest, not up: a timer runs
    // a little after its deadline, and rounding up would stretch every period by a second).
    static Clock::time_point whole_second(Clock::time_point t) {
        return std::chrono::round<std::chrono::seconds>(t);
    }

    // Makes run() return after the current round of handlers.
    void stop() { stopping_ = true; }
    // Calls stop() when a signal arrives on signal_fd (from faultline::block_signals_to_fd),
    // which the caller keeps open. Returns the watch id.
    int stop_on_signal(int signal_fd);

    // Runs until stop() is called or nothing is left to wait for. Returns false with error set
    // when poll() fails (other than EINTR).
    bool run(std::string& error);

    // The poll() timeout in milliseconds for the earliest timer (-1 when none is armed; rounded
    // up so a timer never fires early).
    int timeout_ms(Clock::time_point now) const;
    size_t watch_count() const { return watches_.size(); }
    size_t timer_count() const { return timers_.size(); }

  private:
    struct Watch {
        int id;
        int fd;
        short events;
        FdHandler handler;
    };
    struct Timer {
        int id;
        Clock::time_point deadline;
        TimerHandler handler;
    };
    void run_due_timers(Clock::time_point now);
    void dispatch(const std::vector<pollfd>& fds, const std::vector<int>& ids);

    std::vector<Watch> watches_;
    std::vector<Timer> timers_;
    int next_id_ = 1;
    bool stopping_ = false;
};

}  // namespace faultline::kmsgmon
