#include "hub/store/journal.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string.h>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <filesystem>

#include "faultline/unique_fd.hpp"
#include "hub/store/atomic_file.hpp"
#include "hub/store/dir_lock.hpp"
#include "hub/store/journal_line.hpp"

namespace faultline::hub {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kSuffix = ".ndjson";

// The first seq encoded in a segment file name, or 0 when the name is not a segment's.
uint64_t segment_first_seq(const std::string& name) {
    if (name.size() != 20 + kSuffix.size() || !name.ends_with(kSuffix)) return 0;
    uint64_t v = 0;
    for (size_t i = 0; i < 20; ++i) {
        if (name[i] < '0' || name[i] > '9') return 0;
        if (v > (UINT64_MAX - 9) / 10) return 0;
        v = v * 10 + static_cast<uint64_t>(name[i] - '0');
    }
    return v;
}

// Reads a whole file. Returns false when it cannot be opened or read.
bool read_file(const std::string& path, std::string& out) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return false;
    out.clear();
    char buf[1 << 16];
    while (true) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return false;
        if (n == 0) break;
        out.append(buf, static_cast<size_t>(n));
    }
    return true;
}

// Prepends the record lines of an older segment's contents to tail, keeping at most max (the
// newest). Only lines whose seq rises and stays below the tail's first are taken: a failed
// cut-back can leave lines in an old segment that a newer one holds again.
void collect_tail(std::string_view contents, size_t max, std::deque<std::string>& tail) {
    const uint64_t below = tail.empty() ? UINT64_MAX : *journal_line_seq(tail.front());
    std::vector<std::string_view> lines;
    uint64_t prev = 0;
    size_t start = 0;
    while (start < contents.size()) {
        size_t nl = contents.find('\n', start);
        if (nl == std::string_view::npos) break;
        std::string_view line = contents.substr(start, nl - start);
        if (auto seq = journal_line_seq(line); seq && *seq > prev && *seq < below) {
            lines.push_back(line);
            prev = *seq;
        }
        start = nl + 1;
    }
    for (auto it = lines.rbegin(); it != lines.rend() && tail.size() < max; ++it)
        tail.emplace_front(*it);
}

// Reads complete record lines with after < seq <= upto from fd at cur.offset, raising after
// to each seq taken (so a line a failed cut-back left behind is never yielded twice or out of
// order). Returns true when the end of the file (or a record past upto) was reached, false
// when max lines were collected first.
bool read_lines(int fd, JournalCursor& cur, uint64_t& after, uint64_t upto, size_t max,
                std::vector<std::string>& out) {
    size_t chunk = 256 * 1024;
    std::string buf;
    while (out.size() < max) {
        buf.resize(chunk);
        ssize_t n = ::pread(fd, buf.data(), chunk, static_cast<off_t>(cur.offset));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return true;
        std::string_view data(buf.data(), static_cast<size_t>(n));
        size_t start = 0;
        bool any = false;
        while (out.size() < max) {
            size_t nl = data.find('\n', start);
            if (nl == std::string_view::npos) break;
            std::string_view line = data.substr(start, nl - start);
            auto seq = journal_line_seq(line);
            if (seq && *seq > upto) {  // being written right now: the queue has it
                cur.offset += start;
                return true;
            }
            start = nl + 1;
            any = true;
            if (seq && *seq > after) {
                out.emplace_back(line);
                after = *seq;
            }
        }
        cur.offset += start;
        if (out.size() >= max) return false;
        if (!any) {
            if (static_cast<size_t>(n) < chunk) return true;  // only a partial line is left
            chunk *= 2;                                       // one line longer than the chunk
        }
    }
    return false;
}

size_t cause_index(int err) {
    switch (err) {
        case ENOSPC:
            return 0;
        case EIO:
            return 1;
        case EROFS:
            return 2;
        case EDQUOT:
            return 3;
        case EFBIG:
            return 4;
        default:
            return 5;
    }
}

std::string describe(int err, const std::string& what) {
    const char* name = strerrorname_np(err);
    return fmt::format("{}: {} ({})", what, std::strerror(err), name ? name : "?");
}

// pwrite of all of data at off. Returns 0 or the errno (ENOSPC for a short write that made
// no progress).
int pwrite_all(int fd, std::string_view data, uint64_t off) {
    size_t done = 0;
    while (done < data.size()) {
        ssize_t n =
            ::pwrite(fd, data.data() + done, data.size() - done, static_cast<off_t>(off + done));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno;
        if (n == 0) return ENOSPC;
        done += static_cast<size_t>(n);
    }
    return 0;
}

// Can the writer still hope to write here later (a read-only or not yet writable dir)?
bool unwritable_here(int err) {
    return err == EROFS || err == EACCES || err == EPERM;
}

constexpr uint64_t kMaxBatchBytes = uint64_t{8} << 20;
constexpr auto kMinBackoff = std::chrono::milliseconds(50);
constexpr auto kMaxBackoff = std::chrono::milliseconds(1000);

}  // namespace

// One commit: the records taken from the queue, and the high-water mark to persist first.
struct Journal::Batch {
    std::vector<RecordPtr> records;
    std::string bytes;
    uint64_t reserve = 0;  // 0 = the mark is far enough ahead
    double fsync_seconds = -1;
};

Journal::Journal(JournalOptions opts)
    : opts_(std::move(opts)), reserve_(opts_.dir + "/seq.reserve") {}

Journal::~Journal() {
    close();
}

void Journal::log(const std::string& msg) const {
    if (opts_.log) opts_.log(msg);
}

std::string Journal::segment_path(uint64_t first_seq) const {
    return fmt::format("{}/{:020}{}", opts_.dir, first_seq, kSuffix);
}

bool Journal::scan_dir(std::string& error) {
    std::error_code ec;
    fs::create_directories(opts_.dir, ec);
    if (ec) {
        error = fmt::format("cannot create journal directory {}: {}", opts_.dir, ec.message());
        return false;
    }
    if (!lock_dir(opts_.dir, dir_lock_, error)) return false;
    for (fs::directory_iterator it(opts_.dir, ec), end; !ec && it != end; it.increment(ec)) {
        uint64_t first = segment_first_seq(it->path().filename().string());
        if (first == 0 || !it->is_regular_file()) continue;
        segments_[first] = it->file_size();
    }
    if (ec) {
        error = fmt::format("cannot list journal directory {}: {}", opts_.dir, ec.message());
        return false;
    }
    return true;
}

bool Journal::recover_newest(size_t tail, JournalRecovery& rec, std::string& error) {
    std::deque<std::string> lines;
    std::string contents;
    bool newest = true;
    for (auto it = segments_.rbegin(); it != segments_.rend() && (newest || lines.size() < tail);
         ++it) {
        const std::string path = segment_path(it->first);
        if (!read_file(path, contents)) {
            error = fmt::format("cannot read journal segment {}: {}", path, std::strerror(errno));
            return false;
        }
        if (newest) {
            size_t valid = journal_valid_prefix(contents);
            if (valid < contents.size()) {
                if (::truncate(path.c_str(), static_cast<off_t>(valid)) == 0) {
                    stats_.cut_bytes = contents.size() - valid;
                    log(fmt::format("journal: cut {} torn bytes from the end of {}",
                                    stats_.cut_bytes, path));
                } else if (unwritable_here(errno)) {
                    // Readers skip the torn bytes; the writer starts a new segment.
                    log(
                        fmt::format("journal: cannot cut the torn tail of {} ({}); writing "
                                    "continues in a new segment",
                                    path, std::strerror(errno)));
                    must_rotate_ = true;
                } else {
                    error = fmt::format("cannot cut the torn tail of {}: {}", path,
                                        std::strerror(errno));
                    return false;
                }
                contents.resize(valid);
            }
            it->second = valid;
            newest = false;
        }
        collect_tail(contents, tail, lines);
    }
    rec.last_seq = segments_.empty() ? 0 : segments_.rbegin()->first - 1;
    if (!lines.empty()) rec.last_seq = std::max(rec.last_seq, *journal_line_seq(lines.back()));
    rec.tail.assign(std::make_move_iterator(lines.begin()), std::make_move_iterator(lines.end()));
    return true;
}

bool Journal::open(size_t tail, JournalRecovery& rec, std::string& error) {
    std::lock_guard lock(mu_);
    uint64_t mark = 0;
    if (!scan_dir(error) || !recover_newest(tail, rec, error) || !reserve_.load(mark, error))
        return false;
    rec.next_seq = std::max(rec.last_seq, mark) + 1;
    last_assigned_ = durable_seq_ = rec.next_seq - 1;
    // Nothing above next_seq - 1 is reserved yet: the writer persists the first block at once.
    reserved_ = rec.next_seq - 1;
    if (!segments_.empty()) {
        fd_first_ = segments_.rbegin()->first;
        fd_bytes_ = segments_.rbegin()->second;
        // A gap in seq (a crash left reserved seqs unused) starts a new segment.
        must_rotate_ = must_rotate_ || rec.next_seq != rec.last_seq + 1;
        fd_.reset(::open(segment_path(fd_first_).c_str(), O_WRONLY | O_CLOEXEC));
        if (!fd_ && !unwritable_here(errno)) {
            error = fmt::format("cannot open journal segment {}: {}", segment_path(fd_first_),
                                std::strerror(errno));
            return false;
        }
        // Readable but not writable (read-only mount, no write permission): the journal
        // starts unwritable, the writer retries in a new segment until the dir takes writes.
        if (!fd_) must_rotate_ = true;
    }
    open_ = true;
    stop_ = false;
    if (rec.next_seq > rec.last_seq + 1) {
        // A crash left reserved seqs unused: say so once, so readers skip them without a drop.
        rec.unassigned_from = rec.last_seq + 1;
        auto gap = std::make_shared<Record>();
        gap->seq = rec.next_seq - 1;
        gap->json = unassigned_record(rec.unassigned_from, gap->seq);
        queued_bytes_ += gap->json.size() + 1;
        queue_.push_back(std::move(gap));
    }
    writer_ = std::thread([this] { run_writer(); });
    return true;
}

bool Journal::append(RecordPtr rec, bool droppable) {
    {
        std::lock_guard lock(mu_);
        if (!open_ || stop_) return false;
        last_assigned_ = std::max(last_assigned_, rec->seq);  // handed out, even if refused
        if (droppable && queued_bytes_ >= opts_.max_queued_bytes) {
            ++stats_.unjournaled;
            return false;
        }
        queued_bytes_ += rec->json.size() + 1;
        queue_.push_back(std::move(rec));
    }
    work_cv_.notify_one();
    return true;
}

uint64_t Journal::reserve_target_locked() const {
    const uint64_t block = std::max<uint64_t>(opts_.seq_block, 2);
    if (reserved_.load() >= last_assigned_ + block / 2) return 0;
    return last_assigned_ + block;
}

bool Journal::has_work_locked() const {
    return !queue_.empty() || reserve_target_locked() != 0;
}

void Journal::run_writer() {
    std::unique_lock lock(mu_);
    auto backoff = kMinBackoff;
    while (true) {
        work_cv_.wait(lock, [&] { return stop_ || has_work_locked(); });
        if (!has_work_locked()) break;  // stopping with nothing left
        if (opts_.commit_interval.count() > 0 && !stop_ && !queue_.empty())
            work_cv_.wait_for(lock, opts_.commit_interval, [&] { return stop_; });
        Batch b;
        b.reserve = reserve_target_locked();
        uint64_t bytes = 0;
        for (size_t i = 0; i < queue_.size() && bytes < kMaxBatchBytes; ++i) {
            b.records.push_back(queue_[i]);
            bytes += queue_[i]->json.size() + 1;
        }
        lock.unlock();
        std::string what;
        const int err = commit(b, what);
        lock.lock();
        std::string note;
        finish_locked(b, err, what, note);
        if (!note.empty()) {  // a slow stderr must not hold up publishers waiting for mu_
            lock.unlock();
            log(note);
            lock.lock();
        }
        if (!err) {
            backoff = kMinBackoff;
            continue;
        }
        if (stop_) break;  // closing: one last attempt was made
        work_cv_.wait_for(lock, backoff, [&] { return stop_; });
        backoff = std::min(backoff * 2, kMaxBackoff);
    }
}

// I/O without the lock: the high-water mark first, then the records.
int Journal::commit(Batch& b, std::string& what) {
    if (b.reserve) {
        if (int err = reserve_.persist(b.reserve, what)) return err;
        reserved_ = b.reserve;
    }
    if (b.records.empty()) return 0;
    return write_batch(b, what);
}

int Journal::write_batch(Batch& b, std::string& what) {
    for (const auto& r : b.records) {
        append_journal_line(b.bytes, r->json, r->recorded_ns);
        b.bytes.push_back('\n');
    }
    if (!fd_ || must_rotate_ ||
        (fd_bytes_ > 0 && fd_bytes_ + b.bytes.size() > opts_.segment_bytes)) {
        if (int err = rotate(b.records.front()->seq, what)) return err;
    }
    const std::string path = segment_path(fd_first_);
    int err = pwrite_all(fd_.get(), b.bytes, fd_bytes_);
    if (!err) {
        const auto t0 = std::chrono::steady_clock::now();
        err = ::fdatasync(fd_.get()) == 0 ? 0 : errno;
        b.fsync_seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        what = "fdatasync " + path;
    } else {
        what = "write " + path;
    }
    if (err) {
        // Cut back to what is durable; the batch is rewritten on the next attempt.
        if (::ftruncate(fd_.get(), static_cast<off_t>(fd_bytes_)) != 0) must_rotate_ = true;
        return err;
    }
    fd_bytes_ += b.bytes.size();
    return 0;
}

// Starts segment first_seq (its records are not durable anywhere else, so any file of that
// name is a failed attempt's leftover and is truncated).
int Journal::rotate(uint64_t first_seq, std::string& what) {
    const std::string path = segment_path(first_seq);
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd) {
        what = "create " + path;
        return errno;
    }
    // The new name is durable before records in it are acknowledged.
    if (int err = fsync_dir(opts_.dir)) {
        what = "fsync directory " + opts_.dir;
        return err;
    }
    fd_ = std::move(fd);
    fd_first_ = first_seq;
    fd_bytes_ = 0;
    must_rotate_ = false;
    {
        std::lock_guard lock(mu_);
        segments_[first_seq] = 0;
    }
    apply_retention();
    return 0;
}

// Deletes the oldest segments past the retention size (never the one being written).
void Journal::apply_retention() {
    std::vector<uint64_t> victims;
    {
        std::lock_guard lock(mu_);
        uint64_t total = 0;
        for (auto& [first, bytes] : segments_) total += bytes;
        for (auto it = segments_.begin();
             total > opts_.retention_bytes && it != segments_.end() && it->first != fd_first_;) {
            total -= it->second;
            victims.push_back(it->first);
            it = segments_.erase(it);
        }
    }
    for (uint64_t first : victims)
        if (::unlink(segment_path(first).c_str()) != 0 && errno != ENOENT)
            log(fmt::format("journal: cannot delete {}: {}", segment_path(first),
                            std::strerror(errno)));
}

void Journal::finish_locked(const Batch& b, int err, const std::string& what, std::string& note) {
    if (b.fsync_seconds >= 0) {
        ++stats_.fsyncs;
        stats_.fsync_seconds_sum += b.fsync_seconds;
        size_t i = 0;
        while (i < kFsyncBuckets.size() && b.fsync_seconds > kFsyncBuckets[i]) ++i;
        if (i < kFsyncBuckets.size()) ++stats_.fsync_buckets[i];
    }
    if (err) {
        ++stats_.write_errors;
        ++stats_.errors_by_cause[cause_index(err)];
        const bool was = writable_.exchange(false);
        error_ = describe(err, what);
        if (was) errors_at_failure_ = stats_.write_errors - 1;
        if (was)
            note =
                (fmt::format("journal: cannot store events ({}); ingest answers 503 and the "
                             "writer retries until it can",
                             error_));
        durable_cv_.notify_all();
        return;
    }
    if (!b.records.empty()) {
        const uint64_t last = b.records.back()->seq;
        while (!queue_.empty() && queue_.front()->seq <= last) {
            queued_bytes_ -= queue_.front()->json.size() + 1;
            queue_.pop_front();
        }
        durable_seq_ = std::max(durable_seq_, last);
        segments_[fd_first_] = fd_bytes_;
    }
    if (!writable_.exchange(true))
        note = (fmt::format("journal: writable again after {} failed attempt(s); ingest resumes",
                            stats_.write_errors - errors_at_failure_));
    error_.clear();
    durable_cv_.notify_all();
}

Durability Journal::wait_durable(uint64_t seq, std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(mu_);
    durable_cv_.wait_until(lock, deadline,
                           [&] { return durable_seq_ >= seq || !writable_ || !open_; });
    if (durable_seq_ >= seq) return Durability::durable;
    return writable_ && open_ ? Durability::timed_out : Durability::failed;
}

uint64_t Journal::durable_seq() const {
    std::lock_guard lock(mu_);
    return durable_seq_;
}

bool Journal::wait_durable(uint64_t after, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mu_);
    durable_cv_.wait_for(lock, timeout, [&] { return durable_seq_ > after || !open_; });
    return durable_seq_ > after;
}

bool Journal::sync(std::chrono::steady_clock::time_point deadline) {
    uint64_t seq = 0;
    {
        std::lock_guard lock(mu_);
        if (queue_.empty()) return true;
        seq = queue_.back()->seq;
    }
    return wait_durable(seq, deadline) == Durability::durable;
}

bool Journal::accepting(std::string& why) const {
    std::lock_guard lock(mu_);
    if (!writable_) {
        why = "the journal cannot store events: " + error_;
        return false;
    }
    if (queued_bytes_ >= opts_.max_queued_bytes / 2) {
        why = fmt::format("the journal is {} KiB behind (slow disk)", queued_bytes_ >> 10);
        return false;
    }
    return true;
}

std::string Journal::error() const {
    std::lock_guard lock(mu_);
    return error_;
}

void Journal::close() {
    {
        std::lock_guard lock(mu_);
        if (!open_ || stop_) return;
        stop_ = true;
    }
    work_cv_.notify_all();
    if (writer_.joinable()) writer_.join();
    // The writer is gone and appends are refused: the rest needs no lock but for the waiters.
    if (!queue_.empty()) {
        log(fmt::format("journal: closing with {} events not stored ({})", queue_.size(), error_));
    } else if (reserved_ > last_assigned_) {
        // Everything handed out is stored: record the exact mark, so a restart has no gap.
        std::string what;
        if (reserve_.persist(last_assigned_, what) == 0) reserved_ = last_assigned_;
    }
    fd_.reset();
    std::lock_guard lock(mu_);
    open_ = false;
    durable_cv_.notify_all();
}

void Journal::read_after(JournalCursor& cur, uint64_t after, size_t max,
                         std::vector<std::string>& out) {
    std::vector<uint64_t> segs;
    std::vector<RecordPtr> queued;
    uint64_t durable = 0;
    {
        std::lock_guard lock(mu_);
        for (const auto& [first, bytes] : segments_) segs.push_back(first);
        durable = durable_seq_;
        auto it = std::upper_bound(queue_.begin(), queue_.end(), after,
                                   [](uint64_t s, const RecordPtr& r) { return s < r->seq; });
        for (; it != queue_.end() && queued.size() < max; ++it) queued.push_back(*it);
    }
    if (max == 0) return;
    const size_t before = out.size();
    if (!segs.empty() && after < durable) read_durable(cur, segs, after, durable, max, out);
    const uint64_t from = out.size() > before ? *journal_line_seq(out.back()) : after;
    for (const auto& r : queued) {
        if (r->seq <= from || out.size() - before >= max) continue;
        append_journal_line(out.emplace_back(), r->json, r->recorded_ns);
    }
    cur.next_seq = (out.size() > before ? *journal_line_seq(out.back()) : after) + 1;
}

void Journal::read_durable(JournalCursor& cur, const std::vector<uint64_t>& segs, uint64_t after,
                           uint64_t upto, size_t max, std::vector<std::string>& out) {
    const size_t before = out.size();
    if (cur.next_seq != after + 1 || !std::binary_search(segs.begin(), segs.end(), cur.segment)) {
        auto it = std::upper_bound(segs.begin(), segs.end(), after + 1);
        cur.segment = it == segs.begin() ? segs.front() : *std::prev(it);
        cur.offset = 0;
    }
    size_t idx =
        static_cast<size_t>(std::lower_bound(segs.begin(), segs.end(), cur.segment) - segs.begin());
    uint64_t floor = after;  // the newest seq yielded
    while (out.size() - before < max && idx < segs.size()) {
        UniqueFd fd(::open(segment_path(segs[idx]).c_str(), O_RDONLY | O_CLOEXEC));
        bool at_end = true;
        if (fd)  // a segment deleted by retention meanwhile is skipped
            at_end = read_lines(fd.get(), cur, floor, upto, before + max, out);
        if (!at_end || idx + 1 == segs.size()) break;
        cur.segment = segs[++idx];
        cur.offset = 0;
    }
}

JournalStats Journal::stats() const {
    std::lock_guard lock(mu_);
    JournalStats s = stats_;
    s.segments = segments_.size();
    for (const auto& [first, bytes] : segments_) s.bytes += bytes;
    s.writable = writable_;
    s.queued_records = queue_.size();
    s.queued_bytes = queued_bytes_;
    s.durable_seq = durable_seq_;
    s.reserved_seq = reserved_;
    return s;
}

}  // namespace faultline::hub
