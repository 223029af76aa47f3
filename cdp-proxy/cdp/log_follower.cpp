#include "cdp/log_follower.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace faultline::cdp {

namespace {
constexpr size_t kMaxLine = 64 * 1024;  // a longer "line" is noise: dropped
}

LogFollower::LogFollower(std::string path, LineHandler on_line, std::chrono::milliseconds interval)
    : path_(std::move(path)), on_line_(std::move(on_line)), interval_(interval) {}

LogFollower::~LogFollower() {
    stop();
}

void LogFollower::start() {
    stop_ = false;
    thread_ = std::thread([this] {
        while (!stop_) {
            poll_once();
            for (auto waited = std::chrono::milliseconds(0); waited < interval_ && !stop_;
                 waited += std::chrono::milliseconds(10))
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    });
}

void LogFollower::stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
}

void LogFollower::close_file() {
    fd_.reset();
    offset_ = 0;
    partial_.clear();
}

void LogFollower::poll_once() {
    if (!fd_) {
        fd_.reset(open(path_.c_str(), O_RDONLY | O_CLOEXEC));
        if (!fd_) return;  // not there yet
        struct stat st {};
        fstat(fd_.get(), &st);
        dev_ = st.st_dev, ino_ = st.st_ino, offset_ = 0;
    }
    struct stat cur {};
    if (fstat(fd_.get(), &cur) == 0 && cur.st_size < offset_) {  // truncated: start over
        offset_ = 0;
        partial_.clear();
    }
    read_available();
    struct stat named {};
    const bool replaced =
        stat(path_.c_str(), &named) != 0 || named.st_dev != dev_ || named.st_ino != ino_;
    if (replaced) {  // rotated or removed: the old file is finished; the next poll opens the new
        read_available();
        if (!partial_.empty()) on_line_(partial_);
        close_file();
    }
}

void LogFollower::read_available() {
    char buf[16384];
    for (;;) {
        ssize_t n = pread(fd_.get(), buf, sizeof buf, offset_);
        if (n <= 0) break;
        offset_ += n;
        partial_.append(buf, static_cast<size_t>(n));
        emit_lines();
    }
}

void LogFollower::emit_lines() {
    size_t start = 0;
    for (size_t nl; (nl = partial_.find('\n', start)) != std::string::npos; start = nl + 1)
        on_line_(std::string_view(partial_).substr(start, nl - start));
    partial_.erase(0, start);
    if (partial_.size() > kMaxLine) partial_.clear();
}

}  // namespace faultline::cdp
