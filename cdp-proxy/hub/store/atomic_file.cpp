#include "hub/store/atomic_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "faultline/unique_fd.hpp"
#include "faultline/write_all.hpp"

namespace faultline::hub {

namespace {
std::string dir_of(const std::string& path) {
    const size_t slash = path.rfind('/');
    return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

// Writes contents to a new file at tmp and fsyncs it; false with error set on failure.
bool write_synced(const std::string& tmp, const std::string& contents, std::string& error) {
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd) return error = fmt::format("cannot create {}: {}", tmp, std::strerror(errno)), false;
    if (write_all(fd.get(), contents) && ::fsync(fd.get()) == 0) return true;
    error = fmt::format("cannot write {}: {}", tmp, std::strerror(errno));
    return false;
}
}  // namespace

bool atomic_write_file(const std::string& path, const std::string& contents, std::string& error) {
    const std::string tmp = path + ".tmp";
    if (!write_synced(tmp, contents, error)) {
        ::unlink(tmp.c_str());
        return false;
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        error = fmt::format("cannot write {}: {}", path, std::strerror(errno));
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
    UniqueFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dfd) return errno;
    return ::fsync(dfd.get()) == 0 ? 0 : errno;
}

std::optional<std::string> read_small_file(const std::string& path, std::string& error) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        error =
            errno == ENOENT ? "" : fmt::format("cannot read {}: {}", path, std::strerror(errno));
        return std::nullopt;
    }
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd.get(), buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
        if (n > 0) out.append(buf, static_cast<size_t>(n));
    if (n < 0) {
        error = fmt::format("cannot read {}: {}", path, std::strerror(errno));
        return std::nullopt;
    }
    return out;
}

}  // namespace faultline::hub
