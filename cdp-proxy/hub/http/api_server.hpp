// The telemetry API's HTTP server: cpp-httplib's Server with its own connection loop, so a
// request head has a real deadline. cpp-httplib's read timeout applies to each recv, so a
// client dripping one byte per second would hold its worker forever; here the whole head
// (request line and headers) must arrive within head_timeout of its first byte, or the
// connection is closed. Bodies and responses keep the per-recv/per-send timeouts.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstdint>

namespace faultline::hub {

class ApiServer : public httplib::Server {
  public:
    void set_head_timeout(std::chrono::milliseconds t) { head_timeout_ = t; }
    uint64_t heads_cut() const { return heads_cut_.load(); }  // connections past the deadline

  private:
    bool process_and_close_socket(socket_t sock) override;

    std::chrono::milliseconds head_timeout_{3000};
    std::atomic<uint64_t> heads_cut_{0};
};

}  // namespace faultline::hub
