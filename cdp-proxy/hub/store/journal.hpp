// The embedded durable store: append-only NDJSON segments named by their first seq
// (00000000000000000001.ndjson, ...), written by one writer thread. append() only queues a
// record (no I/O, the publisher never waits on the disk); the writer takes everything queued,
// writes it with one pwrite and makes it durable with one fdatasync (group commit), then
// wakes whoever waits for that seq (an ingest request answering 200 only once its batch is
// stored). When a write or fdatasync fails (ENOSPC, EIO, EROFS, ...) the segment is cut back
// to its durable length, the journal reports itself unwritable with the cause, and the writer
// retries with backoff; queued records stay queued (and readable) until they are durable.
// The writer also keeps the seq high-water mark (seq.reserve) a block ahead of the seqs
// handed out, so seq is never reused. Segments rotate at a size limit and the oldest are
// deleted past a total-size limit. On open, a torn tail is cut and the newest records are
// returned so the hub can restore its ring and continue seq; the unused rest of the block
// reserved before a crash is recorded as never assigned (one record, see journal_line.hpp).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "faultline/log.hpp"
#include "faultline/unique_fd.hpp"
#include "hub/store/record.hpp"
#include "hub/store/seq_reserve.hpp"

namespace faultline::hub {

struct JournalOptions {
    std::string dir;
    // Group commit: once a record is queued the writer waits this long for more before one
    // write + fdatasync; 0 = as soon as the previous fdatasync finished.
    std::chrono::milliseconds commit_interval{1};
    uint64_t segment_bytes = uint64_t{64} << 20;
    uint64_t retention_bytes = uint64_t{1} << 30;
    uint64_t max_queued_bytes = uint64_t{64} << 20;  // past it droppable appends are refused
    // Seqs reserved per seq.reserve write, renewed when half is used: larger than the events of
    // any one batch (1 MiB), so a batch never waits for a renewal.
    uint64_t seq_block = 65536;
    LogFn log;  // empty = no logging
};

// Upper bounds (seconds) of the fsync latency histogram.
inline constexpr std::array<double, 9> kFsyncBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                        0.025,  0.05,  0.1,    0.5};
// Causes of journal failures, as counted (the errno names; "other" for the rest).
inline constexpr std::array<std::string_view, 6> kJournalCauses = {"ENOSPC", "EIO",   "EROFS",
                                                                   "EDQUOT", "EFBIG", "other"};

struct JournalStats {
    uint64_t bytes = 0;  // durable bytes, all segments
    size_t segments = 0;
    uint64_t fsyncs = 0;
    double fsync_seconds_sum = 0;
    std::array<uint64_t, kFsyncBuckets.size()> fsync_buckets{};  // non-cumulative counts
    uint64_t write_errors = 0;
    std::array<uint64_t, kJournalCauses.size()> errors_by_cause{};
    uint64_t cut_bytes = 0;  // torn tail removed at open
    bool writable = true;
    uint64_t queued_records = 0, queued_bytes = 0;
    uint64_t durable_seq = 0, reserved_seq = 0;
    uint64_t unjournaled = 0;  // droppable records refused because the queue was full
};

// Where a reader is in the journal, so paging through a segment does not rescan it.
struct JournalCursor {
    uint64_t segment = 0;   // first seq of the segment (its name)
    uint64_t offset = 0;    // byte offset of the next unread line
    uint64_t next_seq = 0;  // the seq the cursor expects next (0 = unpositioned)
};

// What open() found: the newest records and where seq continues.
struct JournalRecovery {
    std::vector<std::string> tail;  // up to `tail` newest record lines, oldest first
    uint64_t last_seq = 0;          // the newest seq stored (0 when empty)
    uint64_t next_seq = 1;          // above every seq ever handed out (journal and seq.reserve)
    // After a crash: the first seq of the reserved block's unused rest (last_seq + 1 ..
    // next_seq - 1), which open() records as never assigned; 0 when there is none.
    uint64_t unassigned_from = 0;
};

enum class Durability { durable, failed, timed_out };

class Journal {
  public:
    explicit Journal(JournalOptions opts);
    ~Journal();
    Journal(const Journal&) = delete;
    Journal& operator=(const Journal&) = delete;

    // Opens (creating) the directory, cuts a torn tail off the newest segment, reads the seq
    // high-water mark, fills rec, then starts the writer (which reserves the first block of
    // seqs). Returns false and fills error when the directory or a segment cannot be read.
    // A full or failing disk does not fail open: the journal starts unwritable and retries.
    bool open(size_t tail, JournalRecovery& rec, std::string& error);
    // Queues one record (seqs strictly increasing; no I/O). A droppable record (in-process,
    // nobody waits for it) is refused when the queue is full: false, counted.
    bool append(RecordPtr rec, bool droppable = false);
    // Waits until seq is durable (durable), the journal is or becomes unwritable (failed), or
    // deadline passes (timed_out).
    Durability wait_durable(uint64_t seq, std::chrono::steady_clock::time_point deadline);
    // The newest seq whose record (and every one before it) is fdatasynced.
    uint64_t durable_seq() const;
    // Waits until durable_seq() > after, close() or the timeout. True when it is (for readers
    // that export only durable records, e.g. sinks).
    bool wait_durable(uint64_t after, std::chrono::milliseconds timeout) const;
    // Waits until everything queued so far is durable; false at the deadline or on failure.
    bool sync(std::chrono::steady_clock::time_point deadline);
    // True when the journal can take a producer's batch: writable and not far behind. Else
    // why names the cause.
    bool accepting(std::string& why) const;
    bool writable() const { return writable_.load(); }
    std::string error() const;  // the cause while unwritable
    // The highest seq that may be handed out (persisted in seq.reserve before it is used).
    uint64_t reserved_seq() const { return reserved_.load(); }
    // Stops the writer after a last attempt to store everything queued, records the exact
    // high-water mark when it could, closes. Idempotent.
    void close();
    // Appends up to max record lines with seq > after, in seq order, to out, advancing cur:
    // what is on disk, then what is still queued. Never writes. Fewer (or none) when the
    // journal has no more; missing segments are skipped.
    void read_after(JournalCursor& cur, uint64_t after, size_t max, std::vector<std::string>& out);
    JournalStats stats() const;

  private:
    struct Batch;
    std::string segment_path(uint64_t first_seq) const;
    bool scan_dir(std::string& error);
    bool recover_newest(size_t tail, JournalRecovery& rec, std::string& error);
    void run_writer();
    bool has_work_locked() const;
    uint64_t reserve_target_locked() const;
    int commit(Batch& b, std::string& what);
    int write_batch(Batch& b, std::string& what);
    int rotate(uint64_t first_seq, std::string& what);
    void apply_retention();
    // Takes the outcome of a commit; note gets the line to log on a state change.
    void finish_locked(const Batch& b, int err, const std::string& what, std::string& note);
    void read_durable(JournalCursor& cur, const std::vector<uint64_t>& segs, uint64_t after,
                      uint64_t upto, size_t max, std::vector<std::string>& out);
    void log(const std::string& msg) const;

    JournalOptions opts_;
    SeqReserve reserve_;
    mutable std::mutex mu_;  // never held during I/O
    std::condition_variable work_cv_;
    mutable std::condition_variable durable_cv_;
    std::map<uint64_t, uint64_t> segments_;  // first seq -> durable bytes
    std::deque<RecordPtr> queue_;            // appended, not yet durable, seq order
    uint64_t queued_bytes_ = 0;
    uint64_t last_assigned_ = 0;  // newest seq appended (or refused)
    uint64_t durable_seq_ = 0;
    bool stop_ = false, open_ = false;
    std::string error_;               // cause while unwritable
    uint64_t errors_at_failure_ = 0;  // write_errors before the current failure began
    JournalStats stats_;
    std::atomic<bool> writable_{true};
    std::atomic<uint64_t> reserved_{0};
    UniqueFd dir_lock_;  // flock on the dir: one hub per data dir
    // Writer-thread state.
    UniqueFd fd_;               // newest segment
    uint64_t fd_first_ = 0;     // its first seq
    uint64_t fd_bytes_ = 0;     // its durable length
    bool must_rotate_ = false;  // a failed write could not be cut back: start a new segment
    std::thread writer_;
};

}  // namespace faultline::hub
