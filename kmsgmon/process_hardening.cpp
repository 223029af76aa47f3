#include "process_hardening.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "faultline/unique_fd.hpp"

#ifndef MCL_ONFAULT
#define MCL_ONFAULT 4  // Linux >= 4.4
#endif

namespace faultline::kmsgmon {

bool protect_from_oom_killer(std::string& error) {
    const faultline::UniqueFd fd(::open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC));
    const bool ok = fd && ::write(fd.get(), "-1000", 5) == 5;
    const int err = errno;
    if (!ok) error = std::string("cannot set oom_score_adj to -1000: ") + std::strerror(err);
    return ok;
}

bool lock_memory(std::string& error) {
    if (::mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) == 0) return true;
    // Kernels before 4.4 reject MCL_ONFAULT: lock without it.
    if (errno == EINVAL && ::mlockall(MCL_CURRENT | MCL_FUTURE) == 0) return true;
    error = std::string("cannot lock memory (mlockall): ") + std::strerror(errno);
    return false;
}

}  // namespace faultline::kmsgmon
