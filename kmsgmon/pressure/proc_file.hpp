// A /proc file kept open and re-read whole with one pread: the part meminfo and PSI share.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "faultline/unique_fd.hpp"

namespace faultline::kmsgmon {

class ProcFile {
  public:
    // Opens path read-only, close-on-exec. Returns false with error ("path: reason") on failure;
    // a file opened before stays open then.
    bool open(const std::string& path, std::string& error);
    // Reads from offset 0 into buf with one pread (EINTR retried); text views what was read.
    // Returns false with error set on failure.
    bool read(std::span<char> buf, std::string_view& text, std::string& error) const;
    bool is_open() const { return static_cast<bool>(fd_); }

  private:
    faultline::UniqueFd fd_;
    std::string path_;
};

}  // namespace faultline::kmsgmon
