// The embedded durable store: append-only NDJSON segments named by their first seq
// (00000000000000000001.ndjson, ...). Appends are buffered and a background thread writes
// and fdatasyncs them every fsync interval, so kill -9 loses at most that window. Segments
// rotate at a size limit and the oldest are deleted past a total-size limit. On open, a torn
// tail (a line without its newline, or garbage) is cut and the newest records are returned
// so the hub can restore its ring and continue seq.
#pragma once

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace faultline::hub {

struct JournalOptions {
    std::string dir;
    std::chrono::milliseconds fsync_interval{100};
    uint64_t segment_bytes = uint64_t{64} << 20;
    uint64_t retention_bytes = uint64_t{1} << 30;
    std::function<void(const std::string&)> log;
};

// Upper bounds (seconds) of the fsync latency histogram.
inline constexpr std::array<double, 9> kFsyncBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                        0.025,  0.05,  0.1,    0.5};

struct JournalStats {
    uint64_t bytes = 0;  // on disk plus buffered, all segments
    size_t segments = 0;
    uint64_t fsyncs = 0;
    double fsync_seconds_sum = 0;
    std::array<uint64_t, kFsyncBuckets.size()> fsync_buckets{};  // non-cumulative counts
    uint64_t write_errors = 0;
    uint64_t cut_bytes = 0;  // torn tail removed at open
};

// Where a reader is in the journal, so paging through a segment does not rescan it.
struct JournalCursor {
    uint64_t segment = 0;   // first seq of the segment (its name)
    uint64_t offset = 0;    // byte offset of the next unread line
    uint64_t next_seq = 0;  // the seq the cursor expects next (0 = unpositioned)
};

class Journal {
  public:
    explicit Journal(JournalOptions opts);
    ~Journal();
    Journal(const Journal&) = delete;
    Journal& operator=(const Journal&) = delete;

    // Opens (creating) the directory, cuts a torn tail off the newest segment, fills
    // tail_lines with up to `tail` of the newest record lines (oldest first) and last_seq with
    // the newest seq written (0 when empty), then starts the flusher. Returns false and fills
    // error when the directory or a segment cannot be read or created.
    bool open(size_t tail, std::vector<std::string>& tail_lines, uint64_t& last_seq,
              std::string& error);
    // Buffers one record line (no newline) for seq; rotates and applies retention as needed.
    void append(uint64_t seq, std::string_view line);
    // Writes the buffer and fdatasyncs now. Returns false on an I/O error (also logged).
    bool flush();
    // Stops the flusher, flushes, closes. Idempotent.
    void close();
    // Appends up to max record lines with seq > after, in seq order, to out, advancing cur.
    // Fewer (or none) when the journal has no more; missing segments are skipped.
    void read_after(JournalCursor& cur, uint64_t after, size_t max, std::vector<std::string>& out);
    JournalStats stats() const;
    // The newest seq whose record (and every one before it) is fdatasynced; sinks export only
    // up to it, so a seq a destination has seen is never handed out again after kill -9.
    uint64_t durable_seq() const;
    // Waits until durable_seq() > after, close() or the timeout. True when it is.
    bool wait_durable(uint64_t after, std::chrono::milliseconds timeout) const;

  private:
    std::string segment_path(uint64_t first_seq) const;
    bool scan_dir(std::string& error);
    bool recover_newest(size_t tail, std::vector<std::string>& tail_lines, uint64_t& last_seq,
                        std::string& error);
    bool open_segment_locked(uint64_t first_seq);
    void rotate_locked(uint64_t first_seq);
    void apply_retention_locked();
    bool write_pending_locked();
    bool sync_fd_locked(int fd);
    void record_fsync_locked(double secs, int err);
    void run_flusher();
    void log(const std::string& msg) const;

    JournalOptions opts_;
    void set_durable_locked(uint64_t seq);

    mutable std::mutex mu_;
    std::condition_variable cv_;
    mutable std::condition_variable durable_cv_;
    uint64_t appended_seq_ = 0, durable_seq_ = 0;
    std::map<uint64_t, uint64_t> segments_;  // first seq -> bytes (written + buffered)
    int fd_ = -1;                            // newest segment, O_APPEND
    std::string pending_;
    bool dirty_ = false, stop_ = false, open_ = false;
    JournalStats stats_;
    std::thread flusher_;
};

}  // namespace faultline::hub
