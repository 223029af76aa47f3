// Blocking "write every byte" for pipes, files and blocking sockets.
#pragma once

#include <unistd.h>

#include <cerrno>
#include <string_view>

namespace faultline {

// Writes all of bytes to fd, retrying EINTR and short writes. Returns false on failure with
// errno left as write(2) set it (a write of 0 bytes is reported as EIO).
inline bool write_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::write(fd, bytes.data(), bytes.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return false;
        if (n == 0) {
            errno = EIO;
            return false;
        }
        bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
}

}  // namespace faultline
