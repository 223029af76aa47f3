// Stop signals as a readable fd: the one signal-handling style of the producers' poll loops
// (no handler runs, so nothing async-signal-unsafe can happen in one).
#pragma once

#include <pthread.h>
#include <signal.h>
#include <sys/signalfd.h>

#include <cerrno>
#include <cstring>
#include <initializer_list>
#include <string>

#include "unique_fd.hpp"

namespace faultline {

// Blocks signals in the calling thread and returns a non-blocking signalfd that reports them
// instead. Call before any thread starts, so every thread inherits the mask and none is
// killed by them. Returns an empty UniqueFd with error set on failure.
inline UniqueFd block_signals_to_fd(std::initializer_list<int> signals, std::string& error) {
    sigset_t set;
    sigemptyset(&set);
    for (int s : signals) sigaddset(&set, s);
    if (int err = pthread_sigmask(SIG_BLOCK, &set, nullptr); err != 0) {
        error = std::string("cannot block signals: ") + std::strerror(err);
        return UniqueFd();
    }
    UniqueFd fd(signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC));
    if (!fd) error = std::string("signalfd: ") + std::strerror(errno);
    return fd;
}

}  // namespace faultline
