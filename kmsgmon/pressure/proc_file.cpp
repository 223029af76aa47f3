#include "pressure/proc_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace faultline::kmsgmon {

bool ProcFile::open(const std::string& path, std::string& error) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        error = path + ": " + std::strerror(errno);
        return false;
    }
    fd_.reset(fd);
    path_ = path;
    return true;
}

bool ProcFile::read(std::span<char> buf, std::string_view& text, std::string& error) const {
    ssize_t n;
    do n = ::pread(fd_.get(), buf.data(), buf.size(), 0);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        error = (path_.empty() ? std::string("(not open)") : path_) + ": " + std::strerror(errno);
        return false;
    }
    text = std::string_view(buf.data(), static_cast<size_t>(n));
    return true;
}

}  // namespace faultline::kmsgmon
