// The publisher's queue of encoded events: NDJSON lines packed into fixed chunks. A backlog costs
// its bytes rather than one heap block per event, a batch is a view into one chunk (no copy), and
// a drained outbox frees every chunk. Not thread-safe: the publisher locks around every call.
#pragma once

#include <algorithm>
#include <cstring>
#include <deque>
#include <string>
#include <string_view>

namespace faultline {

class Outbox {
  public:
    explicit Outbox(size_t chunk_bytes = 64 * 1024) : chunk_bytes_(chunk_bytes) {}

    size_t size() const { return count_; }
    bool empty() const { return count_ == 0; }

    // Appends line and a newline. line must not contain a newline (encoded JSON never does).
    void push(std::string_view line) {
        const size_t need = line.size() + 1;
        if (chunks_.empty() || chunks_.back().buf.capacity() - chunks_.back().buf.size() < need) {
            chunks_.emplace_back();
            // Reserved once and never exceeded, so views into the chunk stay valid while it fills.
            chunks_.back().buf.reserve(std::max(chunk_bytes_, need));
        }
        Chunk& c = chunks_.back();
        c.buf.append(line).push_back('\n');
        ++c.lines;
        ++count_;
    }

    // The oldest events as one NDJSON view within one chunk: at most max_events, and at most
    // max_bytes unless a single event is larger. count receives how many events it holds. The
    // view stays valid through push() and erase() of later events, until pop_front().
    std::string_view front_batch(size_t max_events, size_t max_bytes, size_t& count) const {
        count = 0;
        if (chunks_.empty()) return {};
        const Chunk& c = chunks_.front();
        size_t end = c.head;
        while (count < c.lines && count < max_events) {
            size_t next = line_end(c, end);
            if (count && next - c.head > max_bytes) break;
            end = next;
            ++count;
        }
        return std::string_view(c.buf).substr(c.head, end - c.head);
    }

    // Removes the n oldest events (n at most size()).
    void pop_front(size_t n) {
        count_ -= n;
        while (n) {
            Chunk& c = chunks_.front();
            if (n >= c.lines) {
                n -= c.lines;
                chunks_.pop_front();
                continue;
            }
            for (; n; --n, --c.lines) c.head = line_end(c, c.head);
        }
    }

    // Removes the event at index (0 = oldest; index below size()). Only bytes from that event on
    // move, so a view of the events before it stays valid.
    void erase(size_t index) {
        auto it = chunks_.begin();
        while (index >= it->lines) index -= (it++)->lines;
        size_t start = it->head;
        for (; index; --index) start = line_end(*it, start);
        it->buf.erase(start, line_end(*it, start) - start);
        --count_;
        if (--it->lines == 0 && std::next(it) != chunks_.end()) chunks_.erase(it);
        if (count_ == 0) chunks_.clear();
    }

  private:
    struct Chunk {
        std::string buf;
        size_t head = 0;   // offset of the oldest event still queued
        size_t lines = 0;  // events from head on
    };

    // Offset just past the newline of the event starting at pos.
    static size_t line_end(const Chunk& c, size_t pos) {
        const void* nl = std::memchr(c.buf.data() + pos, '\n', c.buf.size() - pos);
        return static_cast<size_t>(static_cast<const char*>(nl) - c.buf.data()) + 1;
    }

    size_t chunk_bytes_;
    std::deque<Chunk> chunks_;
    size_t count_ = 0;
};

}  // namespace faultline
