#include "hub/http/api_server.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>

namespace faultline::hub {

namespace {
using Clock = std::chrono::steady_clock;

// 1 readable (or hung up), 0 not within ms, -1 error.
int wait_for(int fd, short events, int ms) {
    pollfd p{fd, events, 0};
    int n;
    do n = ::poll(&p, 1, ms);
    while (n < 0 && errno == EINTR);
    return n;
}

void ip_and_port(const sockaddr_storage& addr, socklen_t len, std::string& ip, int& port) {
    char host[NI_MAXHOST] = {};
    if (::getnameinfo(reinterpret_cast<const sockaddr*>(&addr), len, host, sizeof host, nullptr, 0,
                      NI_NUMERICHOST) == 0)
        ip = host;
    if (addr.ss_family == AF_INET)
        port = ntohs(reinterpret_cast<const sockaddr_in&>(addr).sin_port);
    else if (addr.ss_family == AF_INET6)
        port = ntohs(reinterpret_cast<const sockaddr_in6&>(addr).sin6_port);
}

// One connection's stream: buffered reads that, until the blank line ending the head has
// been read, wait no longer than the head deadline.
class DeadlineStream : public httplib::Stream {
  public:
    DeadlineStream(int fd, int read_ms, int write_ms)
        : fd_(fd), read_ms_(read_ms), write_ms_(write_ms) {}

    // Starts a request: its head must be complete by deadline.
    void begin_request(Clock::time_point deadline) {
        deadline_ = deadline;
        in_head_ = true;
        match_ = 0;
    }
    bool expired() const { return expired_; }
    bool buffered() const { return pos_ < len_; }

    bool is_readable() const override { return buffered() || wait_for(fd_, POLLIN, read_ms_) > 0; }
    bool is_writable() const override { return wait_for(fd_, POLLOUT, write_ms_) > 0 && alive(); }
    ssize_t read(char* ptr, size_t size) override {
        if (!buffered() && !fill()) return -1;
        size_t n = std::min(size, len_ - pos_);
        std::copy(buf_ + pos_, buf_ + pos_ + n, ptr);
        pos_ += n;
        if (in_head_) track_head(ptr, n);
        return static_cast<ssize_t>(n);
    }
    ssize_t write(const char* ptr, size_t size) override {
        if (!is_writable()) return -1;
        ssize_t n;
        do n = ::send(fd_, ptr, size, MSG_NOSIGNAL);
        while (n < 0 && errno == EINTR);
        return n;
    }
    void get_remote_ip_and_port(std::string& ip, int& port) const override {
        sockaddr_storage a{};
        socklen_t len = sizeof a;
        if (::getpeername(fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0)
            ip_and_port(a, len, ip, port);
    }
    void get_local_ip_and_port(std::string& ip, int& port) const override {
        sockaddr_storage a{};
        socklen_t len = sizeof a;
        if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0)
            ip_and_port(a, len, ip, port);
    }
    socket_t socket() const override { return fd_; }

  private:
    bool alive() const {
        if (wait_for(fd_, POLLIN, 0) == 0) return true;
        char b;
        return ::recv(fd_, &b, 1, MSG_PEEK | MSG_DONTWAIT) > 0 || buffered();
    }
    // How long the next wait may be, and whether the head deadline is what limits it.
    int wait_ms(bool& by_deadline) const {
        by_deadline = false;
        if (!in_head_) return read_ms_;
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now()) +
            std::chrono::milliseconds(1);  // round up: poll must not return before it
        by_deadline = left.count() <= read_ms_;
        return static_cast<int>(std::clamp<int64_t>(left.count(), 0, read_ms_));
    }
    bool fill() {
        bool by_deadline = false;
        const int ms = wait_ms(by_deadline);
        if (wait_for(fd_, POLLIN, ms) <= 0) {
            expired_ = by_deadline;
            return false;
        }
        ssize_t n;
        do n = ::recv(fd_, buf_, sizeof buf_, 0);
        while (n < 0 && errno == EINTR);
        if (n <= 0) return false;
        pos_ = 0;
        len_ = static_cast<size_t>(n);
        return true;
    }
    // Follows "\r\n\r\n" (or a bare "\n\n") across reads: the end of the head.
    void track_head(const char* p, size_t n) {
        for (size_t i = 0; i < n && in_head_; ++i) {
            if (p[i] == '\r') continue;
            match_ = p[i] == '\n' ? match_ + 1 : 0;
            if (match_ == 2) in_head_ = false;
        }
    }

    int fd_, read_ms_, write_ms_;
    char buf_[4096];
    size_t pos_ = 0, len_ = 0;
    Clock::time_point deadline_{};
    bool in_head_ = false, expired_ = false;
    int match_ = 0;
};

// Waits for the next request's first byte (keep-alive), up to timeout_ms.
bool next_request(const DeadlineStream& s, int fd, int timeout_ms) {
    return s.buffered() || wait_for(fd, POLLIN, timeout_ms) > 0;
}
}  // namespace

// cpp-httplib's own loop (keep-alive count and timeout, stop on server stop), with the
// deadline stream in place of its per-recv-timeout one.
bool ApiServer::process_and_close_socket(socket_t sock) {
    const int one = 1;
    ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    const int read_ms = static_cast<int>(read_timeout_sec_ * 1000 + read_timeout_usec_ / 1000);
    const int write_ms = static_cast<int>(write_timeout_sec_ * 1000 + write_timeout_usec_ / 1000);
    DeadlineStream strm(sock, read_ms, write_ms);
    bool ret = false;
    for (size_t count = keep_alive_max_count_; count > 0 && svr_sock_ != INVALID_SOCKET; --count) {
        if (!next_request(strm, sock, static_cast<int>(keep_alive_timeout_sec_ * 1000))) break;
        strm.begin_request(head_timeout_.count() ? Clock::now() + head_timeout_
                                                 : Clock::time_point::max());  // 0 = off
        bool closed = false;
        ret = process_request(strm, count == 1, closed, nullptr);
        if (strm.expired()) {  // cpp-httplib may have answered 400: either way, it ends here
            ++heads_cut_;
            break;
        }
        if (!ret || closed) break;
    }
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
    return ret;
}

}  // namespace faultline::hub
