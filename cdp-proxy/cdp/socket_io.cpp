#include "cdp/socket_io.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace faultline::cdp {

namespace {

int remaining_ms(Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return 0;
    return left.count() > 1000000 ? 1000000 : static_cast<int>(left.count());
}

std::string format_address(const sockaddr_storage& ss) {
    char ip[INET6_ADDRSTRLEN] = {};
    if (ss.ss_family == AF_INET) {
        const auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
        inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip);
        return std::string(ip) + ":" + std::to_string(ntohs(a->sin_port));
    }
    if (ss.ss_family == AF_INET6) {
        const auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
        inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof ip);
        return "[" + std::string(ip) + "]:" + std::to_string(ntohs(a->sin6_port));
    }
    return "";
}

}  // namespace

UniqueFd listen_tcp(const HostPort& where, std::string& error) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* res = nullptr;
    const std::string port = std::to_string(where.port);
    int rc =
        getaddrinfo(where.host.empty() ? nullptr : where.host.c_str(), port.c_str(), &hints, &res);
    if (rc != 0) {
        error = std::string("cannot resolve listen address: ") + gai_strerror(rc);
        return UniqueFd();
    }
    UniqueFd fd;
    for (addrinfo* ai = res; ai; ai = ai->ai_next) {
        fd.reset(socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
        if (!fd) continue;
        int one = 1;
        setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd.get(), ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd.get(), 512) == 0) break;
        error = std::string("cannot listen: ") + std::strerror(errno);
        fd.reset();
    }
    freeaddrinfo(res);
    return fd;
}

int local_port(int fd) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return -1;
    if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
    if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
    return -1;
}

int wait_fd(int fd, short events, Clock::time_point deadline, int stop_fd) {
    for (;;) {
        pollfd p[2] = {{fd, events, 0}, {stop_fd, POLLIN, 0}};
        int n = poll(p, stop_fd >= 0 ? 2 : 1, remaining_ms(deadline));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -1;
        if (stop_fd >= 0 && (p[1].revents & POLLIN)) return -1;
        if (n == 0) return Clock::now() >= deadline ? 0 : -1;
        return 1;
    }
}

UniqueFd connect_tcp(const HostPort& where, Clock::time_point deadline, int stop_fd,
                     std::string& error) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* res = nullptr;
    const std::string port = std::to_string(where.port);
    int rc = getaddrinfo(where.host.c_str(), port.c_str(), &hints, &res);
    if (rc != 0) {
        error = "cannot resolve " + where.host + ": " + gai_strerror(rc);
        return UniqueFd();
    }
    UniqueFd fd;
    for (addrinfo* ai = res; ai && !fd; ai = ai->ai_next) {
        fd.reset(socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
        if (!fd) continue;
        make_relay_socket(fd.get());
        if (connect(fd.get(), ai->ai_addr, ai->ai_addrlen) == 0) break;
        if (errno == EINPROGRESS) {
            int w = wait_fd(fd.get(), POLLOUT, deadline, stop_fd);
            int soerr = 0;
            socklen_t len = sizeof soerr;
            if (w == 1 && getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 &&
                soerr == 0)
                break;
            error = w == 1 ? std::strerror(soerr) : w == 0 ? "connect timed out" : "stopped";
        } else {
            error = std::strerror(errno);
        }
        fd.reset();
    }
    freeaddrinfo(res);
    return fd;
}

bool write_all_until(int fd, std::string_view data, Clock::time_point deadline, int stop_fd) {
    while (!data.empty()) {
        ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (n > 0) {
            data.remove_prefix(static_cast<size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (wait_fd(fd, POLLOUT, deadline, stop_fd) != 1) return false;
            continue;
        }
        return false;
    }
    return true;
}

int read_until_blank_line(int fd, std::string& buf, size_t max_bytes, Clock::time_point deadline,
                          int stop_fd) {
    char tmp[4096];
    for (;;) {
        if (buf.find("\r\n\r\n") != std::string::npos) return 1;
        if (buf.size() >= max_bytes) return 0;
        ssize_t n = recv(fd, tmp, std::min(sizeof tmp, max_bytes - buf.size()), 0);
        if (n > 0) {
            // Only the tail can complete a terminator split across reads.
            buf.append(tmp, static_cast<size_t>(n));
            continue;
        }
        if (n == 0) return -1;
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
        if (wait_fd(fd, POLLIN, deadline, stop_fd) != 1) return -1;
    }
}

std::string peer_address(int fd) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "";
    return format_address(ss);
}

std::string local_address(int fd) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "";
    return format_address(ss);
}

void make_relay_socket(int fd) {
    int flags = fcntl(fd, F_GETFL, 0);
    if (flags >= 0) fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

void lingering_close(UniqueFd fd, Clock::time_point deadline) {
    shutdown(fd.get(), SHUT_WR);
    char tmp[4096];
    for (;;) {
        ssize_t n = recv(fd.get(), tmp, sizeof tmp, 0);
        if (n > 0) continue;
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
            wait_fd(fd.get(), POLLIN, deadline, -1) == 1)
            continue;
        break;
    }
}  // fd closes here

}  // namespace faultline::cdp
