// UniqueFd: the one owner of a raw file descriptor. Closes it on destruction, moves, never copies.
#pragma once

#include <unistd.h>

#include <utility>

namespace faultline {

class UniqueFd {
  public:
    explicit UniqueFd(int fd = -1) noexcept : fd_(fd) {}
    ~UniqueFd() { reset(); }
    UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept {
        if (this != &other) reset(other.release());
        return *this;
    }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;

    int get() const { return fd_; }
    explicit operator bool() const { return fd_ >= 0; }

    // Gives up ownership: the caller closes the returned fd.
    int release() { return std::exchange(fd_, -1); }

    // Closes the owned fd (if any) and owns fd instead. close(2) is not retried on EINTR: on
    // Linux the descriptor is released even then, and a retry could close someone else's.
    void reset(int fd = -1) {
        if (fd_ >= 0 && fd_ != fd) ::close(fd_);
        fd_ = fd;
    }

  private:
    int fd_;
};

}  // namespace faultline
