// The producers' HTTP: POST over a kept-alive plain-HTTP/1.1 connection, with timeouts. Small on
// purpose: kmsgmon and supervisord-shim need nothing more, and leaving a full HTTP library out
// keeps their static binaries (and so their resident memory) small.
#pragma once

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <string_view>

#include "host_port.hpp"
#include "http_response.hpp"
#include "unique_fd.hpp"

namespace faultline {

struct HttpUrl {
    std::string host;       // without brackets for IPv6
    std::string port;       // "80" when the URL names none
    std::string authority;  // host[:port] as written, for the Host header
    std::string path;       // "/..." with query; "/" when the URL has none
};

// Splits "http://host[:port][/path][?query]". Returns false with error set for any other
// scheme, credentials, a missing host or a bad port.
inline bool parse_http_url(std::string_view url, HttpUrl& out, std::string& error) {
    constexpr std::string_view scheme = "http://";
    if (!url.starts_with(scheme)) {
        error = url.starts_with("https://") ? "https:// is not supported (plain http:// only)"
                                            : "expected an http:// URL";
        return false;
    }
    std::string_view rest = url.substr(scheme.size());
    size_t path_at = rest.find_first_of("/?");
    std::string_view auth = rest.substr(0, path_at);
    if (auth.empty() || auth.find_first_of("@ \t\r\n") != std::string_view::npos ||
        url.find_first_of(" \t\r\n") != std::string_view::npos) {
        error = "no host, credentials or whitespace in the URL";
        return false;
    }
    // host, [v6], host:port or [v6]:port; port 80 when the URL names none.
    const bool has_port = auth.front() == '[' ? auth.find("]:") != std::string_view::npos
                                              : auth.find(':') != std::string_view::npos;
    HostPort hp;
    std::string why;
    if (!parse_host_port(has_port ? std::string(auth) : std::string(auth) + ":80", hp, why))
        return error = "bad host or port: " + why, false;
    if (hp.host.empty() || hp.port == 0) return error = "bad host or port", false;
    out = HttpUrl{hp.host, std::to_string(hp.port), std::string(auth),
                  path_at == std::string_view::npos ? "/" : std::string(rest.substr(path_at))};
    if (out.path.front() == '?') out.path.insert(0, "/");
    return true;
}

struct HttpResult {
    int status = 0;     // 0 when no response arrived
    std::string body;   // the first HttpResponseParser::max_body bytes
    std::string error;  // why there is no response
};

class HttpClient {
  public:
    // timeout bounds the connect and each wait for the server to read or answer.
    HttpClient(HttpUrl url, std::chrono::milliseconds timeout, std::string bearer_token = {})
        : url_(std::move(url)),
          timeout_ms_(int(timeout.count())),
          token_(std::move(bearer_token)) {}
    ~HttpClient() { disconnect(); }
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    // POSTs body to path. A kept-alive connection the server has since closed is replaced once
    // (the request may then reach the server twice: producers send idempotent batches).
    HttpResult post(std::string_view path, std::string_view body, std::string_view content_type) {
        std::string head = request_head(path, body.size(), content_type);
        bool reused = static_cast<bool>(fd_);
        HttpResult r = exchange(head, body);
        if (r.status == 0 && reused && r.error != "timed out") r = exchange(head, body);
        return r;
    }

  private:
    std::string request_head(std::string_view path, size_t body_size,
                             std::string_view content_type) const {
        std::string r;
        r.append("POST ").append(path).append(" HTTP/1.1\r\nHost: ").append(url_.authority);
        r.append("\r\nContent-Type: ").append(content_type);
        r.append("\r\nContent-Length: ").append(std::to_string(body_size));
        if (!token_.empty()) r.append("\r\nAuthorization: Bearer ").append(token_);
        r.append("\r\n\r\n");
        return r;
    }

    // One request and its response on the current (or a new) connection.
    HttpResult exchange(std::string_view head, std::string_view body) {
        HttpResult r;
        if (!fd_ && !connect_any(r.error)) return r;
        HttpResponseParser parser;
        if (!send_all(head, body, r.error) || !receive(parser, r.error)) {
            disconnect();
            return r;
        }
        const HttpResponse& res = parser.response();
        r.status = res.status;
        r.body = res.body;
        if (!res.keep_alive) disconnect();
        return r;
    }

    // Tries each resolved address. False with error set when none accepts a connection.
    bool connect_any(std::string& error) {
        addrinfo hints{}, *list = nullptr;
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        if (int rc = getaddrinfo(url_.host.c_str(), url_.port.c_str(), &hints, &list); rc != 0) {
            error = std::string("cannot resolve ") + url_.host + ": " + gai_strerror(rc);
            return false;
        }
        for (addrinfo* a = list; a && !fd_; a = a->ai_next) connect_one(*a, error);
        freeaddrinfo(list);
        return static_cast<bool>(fd_);
    }

    void connect_one(const addrinfo& a, std::string& error) {
        UniqueFd fd(
            socket(a.ai_family, a.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a.ai_protocol));
        if (!fd) return void(error = std::strerror(errno));
        int one = 1;  // the request goes out in one write; never wait for an ACK to send more
        setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (connected(fd.get(), a, error)) fd_ = std::move(fd);
    }

    // Connects the non-blocking fd within the timeout. False with error set otherwise.
    bool connected(int fd, const addrinfo& a, std::string& error) const {
        if (::connect(fd, a.ai_addr, a.ai_addrlen) == 0) return true;
        if (errno != EINPROGRESS) return error = std::strerror(errno), false;
        if (!wait_for(fd, POLLOUT, error)) return false;
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) error = std::strerror(err);
        return err == 0;
    }

    // Writes head then body in as few sendmsg calls as the socket allows (the body is not
    // copied; batches can be large).
    bool send_all(std::string_view head, std::string_view body, std::string& error) {
        while (!head.empty() || !body.empty()) {
            iovec iov[2] = {{const_cast<char*>(head.data()), head.size()},
                            {const_cast<char*>(body.data()), body.size()}};
            msghdr msg{};
            msg.msg_iov = iov;
            msg.msg_iovlen = 2;
            ssize_t n = ::sendmsg(fd_.get(), &msg, MSG_NOSIGNAL);
            if (n > 0) {
                size_t from_head = std::min(head.size(), size_t(n));
                head.remove_prefix(from_head);
                body.remove_prefix(size_t(n) - from_head);
            } else if (n < 0 && errno == EAGAIN) {
                if (!wait_for(fd_.get(), POLLOUT, error)) return false;
            } else if (n < 0 && errno != EINTR) {
                return error = std::strerror(errno), false;
            }
        }
        return true;
    }

    bool receive(HttpResponseParser& parser, std::string& error) {
        char buf[4096];
        for (auto state = parser.feed({}); state == HttpResponseParser::State::need_more;) {
            if (!wait_for(fd_.get(), POLLIN, error)) return false;
            ssize_t n = ::recv(fd_.get(), buf, sizeof buf, 0);
            if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
            if (n < 0) return error = std::strerror(errno), false;
            state = n == 0 ? parser.finish() : parser.feed({buf, size_t(n)});
        }
        if (!parser.error().empty()) error = parser.error();
        return parser.error().empty();
    }

    // Waits until fd is ready for `events`. False with error set on timeout or failure.
    bool wait_for(int fd, short events, std::string& error) const {
        pollfd p{fd, events, 0};
        int rc;
        while ((rc = ::poll(&p, 1, timeout_ms_)) < 0 && errno == EINTR) {
        }
        if (rc > 0) return true;
        error = rc == 0 ? "timed out" : std::strerror(errno);
        return false;
    }

    void disconnect() { fd_.reset(); }

    HttpUrl url_;
    int timeout_ms_;
    std::string token_;
    UniqueFd fd_;
};

}  // namespace faultline
