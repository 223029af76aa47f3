// One reader's walk over the global stream, shared by the SSE stream and the JSON page.
// It starts after a seq, catches up from the journal when the ring no longer holds those
// events, then follows the ring. Gaps are never silent: an events_dropped notice carries the
// exact count and the first missed seq (reason expired when the events are gone from ring and
// journal, reader_behind when a live reader was overtaken by the ring). Seqs the journal records
// as never assigned (the unused rest of a block reserved before a crash) are skipped without a
// notice; a reader that resumes inside them saw events the crash lost before they were stored,
// how many is unknown: it is told so (reason unstored, from_seq..to_seq, no count).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "faultline/event.hpp"
#include "faultline/event_decode.hpp"
#include "hub/metrics.hpp"
#include "hub/store/journal.hpp"
#include "hub/store/record.hpp"
#include "hub/stream/query.hpp"

namespace faultline::hub {

struct StreamItem {
    // An event; an events_dropped notice; or seqs up to id that were never assigned (nothing to
    // deliver: it only tells a reader that counts gaps, a sink, that they are no gap).
    enum class Kind { event, notice, unassigned };
    Kind kind = Kind::event;
    uint64_t id = 0;   // the SSE id: the event's seq, or for a notice the last missed seq
    std::string type;  // SSE event name
    std::string category;
    std::string json;          // the envelope
    uint64_t recorded_ns = 0;  // when the hub recorded it (0 for notices and old journals)
};

class StreamReader {
  public:
    // after: deliver events with seq > after (clamped to the newest seq). journal may be null.
    StreamReader(const RecordRing& ring, Journal* journal, Metrics& metrics, Source source,
                 StreamFilter filter, uint64_t after);

    // Moves the cursor over at most max events, appending those that pass the filter (and any
    // events_dropped notice) to out. Returns false when there was nothing new to move over.
    bool next(size_t max, std::vector<StreamItem>& out);
    // The last seq moved over; pass it as since/Last-Event-ID to continue.
    uint64_t cursor() const { return after_; }

  private:
    bool deliver(const RecordRing::ReadResult& r, std::vector<StreamItem>& out);
    bool catch_up(uint64_t ring_oldest, size_t max, std::vector<StreamItem>& out);
    bool type_of(std::string_view line, std::string& type, std::string& category);
    // Moves over the never-assigned seqs from..to (telling a reader inside them what it lost).
    void unassigned(uint64_t from, uint64_t to, std::vector<StreamItem>& out);
    void notice(uint64_t from, uint64_t count, std::string_view reason,
                std::vector<StreamItem>& out);

    const RecordRing& ring_;
    Journal* journal_;
    Metrics& metrics_;
    Source source_;
    StreamFilter filter_;
    uint64_t after_;
    bool live_ = false;  // caught up with the ring; from now on gaps are reader_behind
    JournalCursor jcur_;
    EventDecoder decoder_;
    std::vector<RecordPtr> batch_;
    std::vector<std::string> lines_;
};

}  // namespace faultline::hub
