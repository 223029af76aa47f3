#include "oom/kmsg_reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace faultline::kmsgmon {

bool KmsgReader::open(const std::string& path, bool from_start, std::string& error) {
    path_ = path;
    fd_.reset(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
    if (!fd_) {
        const int err = errno;
        error = "cannot open " + path + ": " + std::strerror(err);
        if (err == EPERM && path == "/dev/kmsg")
            error += " (reading is disabled by kernel.printk_devkmsg=off)";
        return false;
    }
    struct stat st {};
    if (fstat(fd_.get(), &st) != 0) {
        error = "cannot stat " + path + ": " + std::strerror(errno);
        return false;
    }
    if (S_ISDIR(st.st_mode)) {
        error = "cannot read " + path + ": it is a directory";
        return false;
    }
    is_device_ = S_ISCHR(st.st_mode);
    if (is_device_ && !from_start && lseek(fd_.get(), 0, SEEK_END) < 0) {
        error = "cannot seek to the end of " + path + ": " + std::strerror(errno);
        return false;
    }
    return true;
}

KmsgReader::Status KmsgReader::read(std::string_view& chunk, std::string& error) {
    while (true) {
        const ssize_t n = ::read(fd_.get(), buf_.data(), buf_.size());
        if (n > 0) {
            chunk = std::string_view(buf_.data(), static_cast<size_t>(n));
            return Status::data;
        }
        if (n == 0) return Status::end;
        switch (errno) {
            case EINTR:
                continue;
            case EAGAIN:
                return Status::would_block;
            case EPIPE:
                return Status::overrun;
            case EINVAL:
                if (is_device_) return Status::too_big;
                break;
            default:
                break;
        }
        error = "cannot read " + path_ + ": " + std::strerror(errno);
        return Status::failed;
    }
}

}  // namespace faultline::kmsgmon
