#include "hub/store/atomic_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace faultline::hub {

namespace {
bool write_all(int fd, const std::string& s) {
    size_t done = 0;
    while (done < s.size()) {
        ssize_t n = ::write(fd, s.data() + done, s.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<size_t>(n);
    }
    return true;
}

std::string dir_of(const std::string& path) {
    const size_t slash = path.rfind('/');
    return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}
}  // namespace

bool atomic_write_file(const std::string& path, const std::string& contents, std::string& error) {
    const std::string tmp = path + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        error = fmt::format("cannot create {}: {}", tmp, std::strerror(errno));
        return false;
    }
    const bool ok = write_all(fd, contents) && ::fsync(fd) == 0;
    const int err = errno;
    ::close(fd);
    if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
        error = fmt::format("cannot write {}: {}", path, std::strerror(ok ? errno : err));
        ::unlink(tmp.c_str());
        return false;
    }
    if (int err = fsync_dir(dir_of(path))) {  // the rename itself survives a power loss
        error = fmt::format("cannot fsync the directory of {}: {}", path, std::strerror(err));
        return false;
    }
    return true;
}

int fsync_dir(const std::string& dir) {
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return errno;
    const int err = ::fsync(dfd) == 0 ? 0 : errno;
    ::close(dfd);
    return err;
}

std::optional<std::string> read_small_file(const std::string& path, std::string& error) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        error =
            errno == ENOENT ? "" : fmt::format("cannot read {}: {}", path, std::strerror(errno));
        return std::nullopt;
    }
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
        if (n > 0) out.append(buf, static_cast<size_t>(n));
    const int err = errno;
    ::close(fd);
    if (n < 0) {
        error = fmt::format("cannot read {}: {}", path, std::strerror(err));
        return std::nullopt;
    }
    return out;
}

}  // namespace faultline::hub
