#include "hub/store/journal.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <filesystem>

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
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    out.clear();
    char buf[1 << 16];
    while (true) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            ::close(fd);
            return false;
        }
        if (n == 0) break;
        out.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return true;
}

// Prepends the record lines of contents to tail, keeping at most max (the newest).
void collect_tail(std::string_view contents, size_t max, std::deque<std::string>& tail) {
    std::vector<std::string_view> lines;
    size_t start = 0;
    while (start < contents.size()) {
        size_t nl = contents.find('\n', start);
        if (nl == std::string_view::npos) break;
        std::string_view line = contents.substr(start, nl - start);
        if (journal_line_seq(line)) lines.push_back(line);
        start = nl + 1;
    }
    for (auto it = lines.rbegin(); it != lines.rend() && tail.size() < max; ++it)
        tail.emplace_front(*it);
}

// Reads complete record lines from fd at cur.offset. Returns true when the end of the file
// was reached, false when max lines were collected first.
bool read_lines(int fd, JournalCursor& cur, uint64_t after, size_t max,
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
            start = nl + 1;
            any = true;
            if (auto seq = journal_line_seq(line); seq && *seq > after) out.emplace_back(line);
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

}  // namespace

Journal::Journal(JournalOptions opts) : opts_(std::move(opts)) {}

Journal::~Journal() {
    close();
}

void Journal::log(const std::string& msg) const {
    if (opts_.log)
        opts_.log(msg);
    else
        std::fprintf(stderr, "%s\n", msg.c_str());
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

bool Journal::recover_newest(size_t tail, std::vector<std::string>& tail_lines, uint64_t& last_seq,
                             std::string& error) {
    std::deque<std::string> lines;
    std::string contents;
    bool newest = true;
    for (auto it = segments_.rbegin(); it != segments_.rend() && lines.size() < tail; ++it) {
        const std::string path = segment_path(it->first);
        if (!read_file(path, contents)) {
            error = fmt::format("cannot read journal segment {}: {}", path, std::strerror(errno));
            return false;
        }
        if (newest) {
            size_t valid = journal_valid_prefix(contents);
            if (valid < contents.size()) {
                if (::truncate(path.c_str(), static_cast<off_t>(valid)) != 0) {
                    error = fmt::format("cannot cut the torn tail of {}: {}", path,
                                        std::strerror(errno));
                    return false;
                }
                stats_.cut_bytes = contents.size() - valid;
                log(fmt::format("journal: cut {} torn bytes from the end of {}", stats_.cut_bytes,
                                path));
                contents.resize(valid);
            }
            it->second = valid;
            newest = false;
        }
        collect_tail(contents, tail, lines);
    }
    last_seq = segments_.empty() ? 0 : segments_.rbegin()->first - 1;
    if (!lines.empty()) last_seq = std::max(last_seq, *journal_line_seq(lines.back()));
    tail_lines.assign(std::make_move_iterator(lines.begin()), std::make_move_iterator(lines.end()));
    return true;
}

bool Journal::open(size_t tail, std::vector<std::string>& tail_lines, uint64_t& last_seq,
                   std::string& error) {
    std::lock_guard lock(mu_);
    if (!scan_dir(error) || !recover_newest(tail, tail_lines, last_seq, error)) return false;
    if (!segments_.empty() && !open_segment_locked(segments_.rbegin()->first)) {
        error = fmt::format("cannot open journal segment {}: {}",
                            segment_path(segments_.rbegin()->first), std::strerror(errno));
        return false;
    }
    apply_retention_locked();
    appended_seq_ = durable_seq_ = last_seq;
    open_ = true;
    stop_ = false;
    flusher_ = std::thread([this] { run_flusher(); });
    return true;
}

bool Journal::open_segment_locked(uint64_t first_seq) {
    int fd =
        ::open(segment_path(first_seq).c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) return false;
    fd_ = fd;
    segments_.try_emplace(first_seq, 0);
    return true;
}

void Journal::rotate_locked(uint64_t first_seq) {
    if (fd_ >= 0) {
        write_pending_locked();
        sync_fd_locked(fd_);
        ::close(fd_);
        fd_ = -1;
    }
    if (!open_segment_locked(first_seq)) {
        ++stats_.write_errors;
        log(fmt::format("journal: cannot create segment {}: {}", segment_path(first_seq),
                        std::strerror(errno)));
        return;
    }
    // Make the new name durable too.
    if (int dfd = ::open(opts_.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
    apply_retention_locked();
}

void Journal::apply_retention_locked() {
    uint64_t total = 0;
    for (auto& [first, bytes] : segments_) total += bytes;
    while (segments_.size() > 1 && total > opts_.retention_bytes) {
        auto oldest = segments_.begin();
        if (::unlink(segment_path(oldest->first).c_str()) != 0 && errno != ENOENT) {
            log(fmt::format("journal: cannot delete {}: {}", segment_path(oldest->first),
                            std::strerror(errno)));
            break;
        }
        total -= oldest->second;
        segments_.erase(oldest);
    }
}

void Journal::append(uint64_t seq, std::string_view line) {
    std::lock_guard lock(mu_);
    if (!open_) return;
    appended_seq_ = seq;  // a line lost to an I/O error below is counted and never comes back
    const uint64_t size = line.size() + 1;
    if (fd_ < 0)
        rotate_locked(seq);
    else if (auto& bytes = segments_.rbegin()->second;
             bytes > 0 && bytes + size > opts_.segment_bytes)
        rotate_locked(seq);
    if (fd_ < 0) return;  // cannot create a segment: counted and logged
    pending_.append(line).push_back('\n');
    segments_.rbegin()->second += size;
    if (pending_.size() >= (4u << 20)) write_pending_locked();
}

bool Journal::write_pending_locked() {
    if (pending_.empty() || fd_ < 0) return true;
    size_t done = 0;
    while (done < pending_.size()) {
        ssize_t n = ::write(fd_, pending_.data() + done, pending_.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            ++stats_.write_errors;
            log(fmt::format("journal: write failed, {} bytes lost: {}", pending_.size() - done,
                            std::strerror(errno)));
            break;
        }
        done += static_cast<size_t>(n);
    }
    pending_.clear();
    dirty_ = true;
    return done > 0;
}

// fdatasync(fd), timed. Returns the seconds it took; err is 0 or the errno of the failure.
static double timed_fdatasync(int fd, int& err) {
    const auto t0 = std::chrono::steady_clock::now();
    err = ::fdatasync(fd) == 0 ? 0 : errno;
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void Journal::record_fsync_locked(double secs, int err) {
    ++stats_.fsyncs;
    stats_.fsync_seconds_sum += secs;
    size_t b = 0;
    while (b < kFsyncBuckets.size() && secs > kFsyncBuckets[b]) ++b;
    if (b < kFsyncBuckets.size()) ++stats_.fsync_buckets[b];
    if (err) {
        ++stats_.write_errors;
        log(fmt::format("journal: fdatasync failed: {}", std::strerror(err)));
    }
}

bool Journal::sync_fd_locked(int fd) {
    int err = 0;
    const double secs = timed_fdatasync(fd, err);
    record_fsync_locked(secs, err);
    return err == 0;
}

void Journal::run_flusher() {
    std::unique_lock lock(mu_);
    while (!stop_) {
        cv_.wait_for(lock, opts_.fsync_interval, [&] { return stop_; });
        if (stop_) break;
        write_pending_locked();
        const uint64_t upto = appended_seq_;
        if (!dirty_ || fd_ < 0) {
            if (!dirty_) set_durable_locked(upto);
            continue;
        }
        dirty_ = false;
        int fd = ::dup(fd_);  // survives a rotation while we sync without the lock
        if (fd < 0) continue;
        lock.unlock();
        int err = 0;
        const double secs = timed_fdatasync(fd, err);
        ::close(fd);
        lock.lock();
        record_fsync_locked(secs, err);
        if (err == 0) set_durable_locked(upto);
    }
}

bool Journal::flush() {
    std::lock_guard lock(mu_);
    if (fd_ < 0) return true;
    const uint64_t errors = stats_.write_errors;
    write_pending_locked();
    dirty_ = false;
    if (sync_fd_locked(fd_)) set_durable_locked(appended_seq_);
    return stats_.write_errors == errors;
}

void Journal::close() {
    {
        std::lock_guard lock(mu_);
        if (!open_) return;
        stop_ = true;
    }
    cv_.notify_all();
    if (flusher_.joinable()) flusher_.join();
    flush();
    std::lock_guard lock(mu_);
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    open_ = false;
    durable_cv_.notify_all();
}

void Journal::set_durable_locked(uint64_t seq) {
    if (seq <= durable_seq_) return;
    durable_seq_ = seq;
    durable_cv_.notify_all();
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

void Journal::read_after(JournalCursor& cur, uint64_t after, size_t max,
                         std::vector<std::string>& out) {
    std::vector<uint64_t> segs;
    {
        std::lock_guard lock(mu_);
        write_pending_locked();  // readers see every record appended so far
        for (const auto& [first, bytes] : segments_) segs.push_back(first);
    }
    if (segs.empty() || max == 0) return;
    const size_t before = out.size();
    if (cur.next_seq != after + 1 || !std::binary_search(segs.begin(), segs.end(), cur.segment)) {
        auto it = std::upper_bound(segs.begin(), segs.end(), after + 1);
        cur.segment = it == segs.begin() ? segs.front() : *std::prev(it);
        cur.offset = 0;
    }
    size_t idx =
        static_cast<size_t>(std::lower_bound(segs.begin(), segs.end(), cur.segment) - segs.begin());
    while (out.size() - before < max && idx < segs.size()) {
        int fd = ::open(segment_path(segs[idx]).c_str(), O_RDONLY | O_CLOEXEC);
        bool at_end = true;
        if (fd >= 0) {  // a segment deleted by retention meanwhile is skipped
            at_end = read_lines(fd, cur, after, before + max, out);
            ::close(fd);
        }
        if (!at_end || idx + 1 == segs.size()) break;
        cur.segment = segs[++idx];
        cur.offset = 0;
    }
    cur.next_seq = (out.size() > before ? *journal_line_seq(out.back()) : after) + 1;
}

JournalStats Journal::stats() const {
    std::lock_guard lock(mu_);
    JournalStats s = stats_;
    s.segments = segments_.size();
    for (const auto& [first, bytes] : segments_) s.bytes += bytes;
    return s;
}

}  // namespace faultline::hub
