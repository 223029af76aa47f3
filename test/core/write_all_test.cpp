#include "faultline/write_all.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <string>
#include <thread>

#include "catch.hpp"

namespace {
std::atomic<int> interrupts{0};
void on_usr1(int) {
    interrupts.fetch_add(1, std::memory_order_relaxed);
}

// Reads fd until EOF.
std::string drain(int fd) {
    std::string got;
    char buf[65536];
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) != 0;) {
        if (n < 0 && errno == EINTR) continue;
        REQUIRE(n > 0);
        got.append(buf, size_t(n));
    }
    return got;
}
}  // namespace

TEST_CASE("write_all delivers every byte through short writes and signal interruptions") {
    // A handler without SA_RESTART: a blocked write returns early (EINTR or a short count).
    struct sigaction sa {
    }, old{};
    sa.sa_handler = on_usr1;
    REQUIRE(sigaction(SIGUSR1, &sa, &old) == 0);

    int p[2];
    REQUIRE(pipe2(p, O_CLOEXEC) == 0);
    std::string data(4 << 20, '\0');  // 4 MiB through a 64 KiB pipe: many short writes
    for (size_t i = 0; i < data.size(); ++i) data[i] = char('a' + i % 23);

    const pthread_t writer = pthread_self();
    std::atomic<bool> done{false};
    std::thread interrupter([&] {
        while (!done.load()) {
            pthread_kill(writer, SIGUSR1);
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
    });
    std::string got;
    std::thread reader([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // let the pipe fill first
        got = drain(p[0]);
    });
    const bool ok = faultline::write_all(p[1], data);
    done = true;
    interrupter.join();
    ::close(p[1]);
    reader.join();
    ::close(p[0]);
    sigaction(SIGUSR1, &old, nullptr);

    CHECK(ok);
    CHECK(interrupts.load() > 0);
    CHECK(got.size() == data.size());
    CHECK(got == data);
}

TEST_CASE("write_all reports failure with errno set") {
    int p[2];
    REQUIRE(pipe2(p, O_CLOEXEC) == 0);
    ::close(p[0]);
    struct sigaction ign {
    }, old{};
    ign.sa_handler = SIG_IGN;
    REQUIRE(sigaction(SIGPIPE, &ign, &old) == 0);
    errno = 0;
    CHECK_FALSE(faultline::write_all(p[1], "lost"));
    CHECK(errno == EPIPE);
    sigaction(SIGPIPE, &old, nullptr);
    ::close(p[1]);

    errno = 0;
    CHECK_FALSE(faultline::write_all(-1, "x"));
    CHECK(errno == EBADF);
    CHECK(faultline::write_all(-1, ""));  // nothing to write is not an error
}
