#include "hub/store/dir_lock.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>

#include <cerrno>
#include <cstring>

namespace faultline::hub {

bool lock_dir(const std::string& dir, UniqueFd& held, std::string& error) {
    UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) {
        error = fmt::format("cannot open data dir {}: {}", dir, std::strerror(errno));
        return false;
    }
    int rc;
    do rc = ::flock(fd.get(), LOCK_EX | LOCK_NB);
    while (rc != 0 && errno == EINTR);
    if (rc != 0) {
        error = errno == EWOULDBLOCK
                    ? fmt::format(
                          "data dir {} is in use by another cdp-proxy (one hub per "
                          "data dir: its journal and seqs are its own)",
                          dir)
                    : fmt::format("cannot lock data dir {}: {}", dir, std::strerror(errno));
        return false;
    }
    held = std::move(fd);
    return true;
}

}  // namespace faultline::hub
