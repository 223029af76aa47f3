// Follows a log file like `tail -F -n +all`: reads it from the start, then keeps reading what is
// appended; survives the file not existing yet, being truncated (reads again from the start)
// and being rotated (finishes the old file, then opens the new one from its start). Calls
// on_line for every complete line, from its own thread.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <thread>

#include "faultline/unique_fd.hpp"

namespace faultline::cdp {

class LogFollower {
  public:
    using LineHandler = std::function<void(std::string_view line)>;

    LogFollower(std::string path, LineHandler on_line,
                std::chrono::milliseconds poll_interval = std::chrono::milliseconds(100));
    ~LogFollower();
    LogFollower(const LogFollower&) = delete;
    LogFollower& operator=(const LogFollower&) = delete;

    void start();
    void stop();

    // One polling step (open/reopen if needed, read what is new). Used by the thread; public
    // so tests can drive it deterministically.
    void poll_once();

  private:
    void read_available();
    void emit_lines();
    void close_file();

    std::string path_;
    LineHandler on_line_;
    std::chrono::milliseconds interval_;
    UniqueFd fd_;
    unsigned long long dev_ = 0, ino_ = 0;
    long long offset_ = 0;
    std::string partial_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

}  // namespace faultline::cdp
