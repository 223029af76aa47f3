// Reads the kernel log: /dev/kmsg (a character device, one record per read()) or, with
// --kmsg PATH, a file or FIFO holding records in the same format. Non-blocking, close-on-exec.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "faultline/unique_fd.hpp"

namespace faultline::kmsgmon {

class KmsgReader {
  public:
    enum class Status {
        data,         // chunk holds bytes (for the device: exactly one record)
        would_block,  // nothing available now: wait for POLLIN
        end,          // end of a file, or the last writer of a FIFO closed it
        overrun,      // EPIPE: records were overwritten before we read them; the next read works
        too_big,      // EINVAL: a record larger than the buffer was skipped by the kernel
        failed,       // any other error; read() set error to what happened
    };
    // Large enough for any record: the kernel formats at most 8 KiB (CONSOLE_EXT_LOG_MAX).
    static constexpr size_t kBufferBytes = 16 * 1024;

    // Opens path. On a character device, skips to the end (only new records are read) unless
    // from_start, which replays what the kernel buffer still holds. Files and FIFOs are read
    // from their beginning. Returns false with error set (path and reason).
    bool open(const std::string& path, bool from_start, std::string& error);
    // Reads once. Returns the status; with Status::data, chunk points into the reader's buffer
    // (valid until the next read()); with Status::failed, error says why. EINTR is retried.
    Status read(std::string_view& chunk, std::string& error);

    int fd() const { return fd_.get(); }
    bool is_device() const { return is_device_; }
    const std::string& path() const { return path_; }

  private:
    faultline::UniqueFd fd_;
    bool is_device_ = false;
    std::string path_;
    std::array<char, kBufferBytes> buf_{};
};

}  // namespace faultline::kmsgmon
