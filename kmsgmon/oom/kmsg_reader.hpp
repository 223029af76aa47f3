// Reads the kernel log: /dev/kmsg (a character device, one record per read()) or, with
// --kmsg PATH, a file or FIFO holding records in the same format. Non-blocking, close-on-exec.
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace kmsgmon {

class KmsgReader {
  public:
    enum class Status {
        data,         // chunk holds bytes (for the device: exactly one record)
        would_block,  // nothing available now: wait for POLLIN
        end,          // end of a file, or the last writer of a FIFO closed it
        overrun,      // EPIPE: records were overwritten before we read them; the next read works
        too_big,      // EINVAL: a record larger than the buffer was skipped by the kernel
        failed,       // any other error; error() says what happened
    };
    // Large enough for any record: the kernel formats at most 8 KiB (CONSOLE_EXT_LOG_MAX).
    static constexpr size_t kBufferBytes = 16 * 1024;

    KmsgReader() = default;
    ~KmsgReader();
    KmsgReader(const KmsgReader&) = delete;
    KmsgReader& operator=(const KmsgReader&) = delete;

    // Opens path. On a character device, skips to the end (only new records are read) unless
    // from_start, which replays what the kernel buffer still holds. Files and FIFOs are read
    // from their beginning. Returns false with error() set (path and reason).
    bool open(const std::string& path, bool from_start);
    // Reads once. Returns the status; with Status::data, chunk points into the reader's buffer
    // (valid until the next read()). EINTR is retried here.
    Status read(std::string_view& chunk);

    int fd() const { return fd_; }
    bool is_device() const { return is_device_; }
    const std::string& path() const { return path_; }
    const std::string& error() const { return error_; }

  private:
    int fd_ = -1;
    bool is_device_ = false;
    std::string path_, error_;
    std::array<char, kBufferBytes> buf_{};
};

}  // namespace kmsgmon
