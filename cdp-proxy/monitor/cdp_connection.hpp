// The CDP monitor's own WebSocket connection to Chromium's browser endpoint, built on the
// proxy's transport (connect_tcp, write_all, HTTP heads, WsMessageReader). Separate from every
// proxied connection: clients never see its commands or its sessions. Single-threaded: the
// monitor's loop owns it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cdp/devtools_url.hpp"
#include "cdp/socket_io.hpp"
#include "cdp/ws_message.hpp"
#include "faultline/unique_fd.hpp"

namespace faultline::monitor {

using cdp::Clock;

class CdpConnection {
  public:
    CdpConnection() = default;
    ~CdpConnection() { close(); }
    CdpConnection(const CdpConnection&) = delete;
    CdpConnection& operator=(const CdpConnection&) = delete;

    // Dials the browser endpoint and completes the WebSocket handshake before the deadline.
    bool open(const cdp::DevtoolsUrl& url, Clock::time_point deadline, int stop_fd,
              std::string& error);
    void close();
    bool is_open() const { return bool(fd_); }
    int fd() const { return fd_.get(); }

    // Sends {"id":N,"method":...,"params":...,"sessionId":...}; returns N, or 0 when the
    // socket is gone. params_json is one JSON object ("" = {}).
    int64_t send(std::string_view method, std::string_view params_json = {},
                 std::string_view session_id = {});

    // Reads what the socket has now and appends each complete message to out. Returns false
    // (with error) on EOF, a Close frame or a protocol error.
    bool read_available(std::vector<std::string>& out, std::string& error);

    uint64_t messages_received() const { return received_; }

  private:
    bool write_frame(std::string_view payload, unsigned opcode);

    UniqueFd fd_;
    int stop_fd_ = -1;
    int64_t next_id_ = 0;
    uint64_t received_ = 0;
    cdp::WsMessageReader reader_;
};

}  // namespace faultline::monitor
