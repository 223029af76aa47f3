#include "monitor/cdp_connection.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <random>

#include "cdp/http_head.hpp"
#include "faultline/json_writer.hpp"

namespace faultline::monitor {

namespace {

// A random Sec-WebSocket-Key: base64 of 16 bytes.
std::string websocket_key() {
    static constexpr char kB64[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::random_device rd;
    unsigned char raw[18] = {};
    for (int i = 0; i < 16; ++i) raw[i] = static_cast<unsigned char>(rd());
    std::string out;
    for (int i = 0; i < 18; i += 3) {
        const uint32_t v = (raw[i] << 16) | (raw[i + 1] << 8) | raw[i + 2];
        out += kB64[(v >> 18) & 63];
        out += kB64[(v >> 12) & 63];
        out += kB64[(v >> 6) & 63];
        out += kB64[v & 63];
    }
    return out.substr(0, 22) + "==";
}

}  // namespace

bool CdpConnection::open(const cdp::DevtoolsUrl& url, Clock::time_point deadline, int stop_fd,
                         std::string& error) {
    close();
    stop_fd_ = stop_fd;
    UniqueFd fd = cdp::connect_tcp(url.address, deadline, stop_fd, error);
    if (!fd) return false;
    // Host must be Chromium's own authority (it rejects other hosts); no Origin header.
    const std::string request = fmt::format(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: {}\r\nSec-WebSocket-Version: 13\r\n\r\n",
        url.path, url.authority, websocket_key());
    std::string buf;
    if (!cdp::write_all_until(fd.get(), request, deadline, stop_fd) ||
        cdp::read_until_blank_line(fd.get(), buf, cdp::kMaxHeadBytes, deadline, stop_fd) != 1) {
        error = fmt::format("no WebSocket handshake answer from {}", url.url);
        return false;
    }
    cdp::HttpResponseHead head;
    cdp::HttpError herr;
    if (cdp::parse_response_head(buf, head, herr) != cdp::ParseStatus::complete ||
        head.status != 101) {
        error = fmt::format("{} refused the WebSocket upgrade (HTTP {})", url.url, head.status);
        return false;
    }
    reader_ = cdp::WsMessageReader();
    if (buf.size() > head.head_size)
        reader_.feed(buf.data() + head.head_size, buf.size() - head.head_size);
    fd_ = std::move(fd);
    return true;
}

void CdpConnection::close() {
    fd_.reset();
}

bool CdpConnection::write_frame(std::string_view payload, unsigned opcode) {
    if (!fd_) return false;
    const std::string frame = cdp::encode_client_frame(payload, opcode);
    if (cdp::write_all_until(fd_.get(), frame, Clock::now() + std::chrono::seconds(5), stop_fd_))
        return true;
    close();
    return false;
}

int64_t CdpConnection::send(std::string_view method, std::string_view params_json,
                            std::string_view session_id) {
    const int64_t id = ++next_id_;
    std::string msg = fmt::format("{{\"id\":{},\"method\":", id);
    append_json_string(msg, method);
    msg += ",\"params\":";
    msg += params_json.empty() ? std::string_view("{}") : params_json;
    if (!session_id.empty()) {
        msg += ",\"sessionId\":";
        append_json_string(msg, session_id);
    }
    msg.push_back('}');
    return write_frame(msg, 1) ? id : 0;
}

bool CdpConnection::read_available(std::vector<std::string>& out, std::string& error) {
    if (!fd_) {
        error = "not connected";
        return false;
    }
    char buf[65536];
    for (;;) {
        const ssize_t n = ::read(fd_.get(), buf, sizeof buf);
        if (n > 0) {
            reader_.feed(buf, static_cast<size_t>(n));
            if (static_cast<size_t>(n) < sizeof buf) break;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) break;
        error = n == 0 ? "Chromium closed the connection" : "read error on the CDP connection";
        for (std::string m; reader_.next(m) == cdp::WsMessageReader::Result::message;)
            out.push_back(std::move(m));
        return false;
    }
    for (;;) {
        std::string m;
        const auto r = reader_.next(m);
        if (r == cdp::WsMessageReader::Result::message) {
            ++received_;
            out.push_back(std::move(m));
            continue;
        }
        if (reader_.has_pong()) {
            const std::string payload = reader_.pong_due();
            reader_.clear_pong();
            write_frame(payload, 10);
        }
        if (r == cdp::WsMessageReader::Result::need_more) return true;
        error = r == cdp::WsMessageReader::Result::closed ? "Chromium sent a Close frame"
                                                          : reader_.error();
        return false;
    }
}

}  // namespace faultline::monitor
