// Wakes the loop when the kernel raises a file-modified notification on a cgroup file
// (memory.events, cgroup.events): inotify, no polling.
#pragma once

#include <functional>
#include <string>

#include "event_loop.hpp"
#include "faultline/unique_fd.hpp"

namespace faultline::kmsgmon {

class FileWatch {
  public:
    explicit FileWatch(EventLoop& loop) : loop_(loop) {}
    ~FileWatch();
    FileWatch(const FileWatch&) = delete;
    FileWatch& operator=(const FileWatch&) = delete;

    // Calls on_change (in the loop) after each batch of IN_MODIFY notifications on path.
    // Returns false with error ("path: reason") when inotify refuses.
    bool start(const std::string& path, std::function<void()> on_change, std::string& error);

  private:
    EventLoop& loop_;
    faultline::UniqueFd fd_;
    int watch_ = -1;
    std::function<void()> on_change_;
};

}  // namespace faultline::kmsgmon
