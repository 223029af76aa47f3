// kmsgmon's poll loop stops on SIGTERM/SIGINT through a signalfd (no signal handler).
#include "event_loop.hpp"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "catch.hpp"
#include "faultline/signal_fd.hpp"

using namespace std::chrono_literals;
using faultline::kmsgmon::EventLoop;

TEST_CASE("a signal on the stop fd ends an idle loop, which then waits for nothing else") {
    std::string error;
    faultline::UniqueFd stop = faultline::block_signals_to_fd({SIGTERM}, error);
    REQUIRE(stop);
    EventLoop loop;
    loop.stop_on_signal(stop.get());
    bool late = false;
    const auto t0 = EventLoop::Clock::now();
    loop.add_timer(t0 + 30s, [&] { late = true; });
    // Sent to the process from another thread while the loop sleeps in poll().
    std::thread sender([] {
        std::this_thread::sleep_for(100ms);
        ::kill(::getpid(), SIGTERM);
    });
    const bool ok = loop.run(error);
    sender.join();
    CHECK(ok);
    CHECK_FALSE(late);
    CHECK(EventLoop::Clock::now() - t0 < 10s);
    sigset_t pending;
    sigpending(&pending);
    CHECK_FALSE(sigismember(&pending, SIGTERM));  // consumed from the fd, not left pending
}

TEST_CASE("several stop signals at once stop the loop once and are all drained") {
    std::string error;
    faultline::UniqueFd stop = faultline::block_signals_to_fd({SIGINT, SIGTERM}, error);
    REQUIRE(stop);
    ::kill(::getpid(), SIGINT);
    ::kill(::getpid(), SIGTERM);
    EventLoop loop;
    loop.stop_on_signal(stop.get());
    int ticks = 0;
    loop.add_timer(EventLoop::Clock::now() + 20s, [&] { ++ticks; });
    CHECK(loop.run(error));
    CHECK(ticks == 0);
    signalfd_siginfo info;
    CHECK(::read(stop.get(), &info, sizeof info) == -1);  // nothing left to read
}
