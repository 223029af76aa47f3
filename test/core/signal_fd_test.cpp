#include "faultline/signal_fd.hpp"

#include <poll.h>
#include <unistd.h>

#include <thread>

#include "catch.hpp"

TEST_CASE("a blocked signal arrives on the signalfd, even when sent to the process") {
    std::string error;
    faultline::UniqueFd fd = faultline::block_signals_to_fd({SIGUSR1, SIGUSR2}, error);
    REQUIRE(fd);
    CHECK(error.empty());
    signalfd_siginfo info{};
    CHECK(::read(fd.get(), &info, sizeof info) == -1);  // non-blocking: nothing yet
    CHECK(errno == EAGAIN);

    // From a thread started afterwards (it inherits the mask, so the default action, which
    // would end the process, never runs anywhere).
    std::thread([] { ::kill(::getpid(), SIGUSR2); }).join();
    pollfd p{fd.get(), POLLIN, 0};
    REQUIRE(::poll(&p, 1, 5000) == 1);
    REQUIRE(::read(fd.get(), &info, sizeof info) == sizeof info);
    CHECK(info.ssi_signo == SIGUSR2);
    CHECK(info.ssi_pid == static_cast<uint32_t>(::getpid()));
}
