#include "hub/stream/reader.hpp"

#include <algorithm>

#include "hub/store/journal_line.hpp"

namespace faultline::hub {

StreamReader::StreamReader(const RecordRing& ring, Journal* journal, Metrics& metrics,
                           Source source, StreamFilter filter, uint64_t after)
    : ring_(ring),
      journal_(journal),
      metrics_(metrics),
      source_(std::move(source)),
      filter_(std::move(filter)),
      after_(std::min(after, ring.last_seq())) {}

bool StreamReader::next(size_t max, std::vector<StreamItem>& out) {
    max = std::max<size_t>(max, 1);
    batch_.clear();
    const auto r = ring_.read_after(after_, max, batch_);
    if (!live_) {
        if (r.missed) return catch_up(r.missed_from + r.missed, max, out);
        live_ = true;
    }
    if (r.missed) notice(r.missed_from, r.missed, "reader_behind", out);
    return deliver(r, out);
}

bool StreamReader::deliver(const RecordRing::ReadResult& r, std::vector<StreamItem>& out) {
    for (const auto& rec : batch_) {
        if (rec->type.empty())  // restored from the journal: maybe its never-assigned record
            if (auto from = unassigned_from(rec->json)) {
                unassigned(*from, rec->seq, out);
                continue;
            }
        if (filter_.matches(rec->type, rec->category))
            out.push_back(StreamItem{StreamItem::Kind::event, rec->seq, rec->type, rec->category,
                                     rec->json, rec->recorded_ns});
    }
    const bool moved = r.next_after != after_;
    after_ = r.next_after;
    return moved;
}

bool StreamReader::catch_up(uint64_t ring_oldest, size_t max, std::vector<StreamItem>& out) {
    lines_.clear();
    if (journal_) journal_->read_after(jcur_, after_, max, lines_);
    for (auto& line : lines_) {
        const uint64_t seq = *journal_line_seq(line);
        if (seq <= after_) continue;
        if (auto from = unassigned_from(line)) {
            if (from > after_ + 1) notice(after_ + 1, *from - after_ - 1, "expired", out);
            unassigned(*from, seq, out);
            continue;
        }
        if (seq > after_ + 1) notice(after_ + 1, seq - after_ - 1, "expired", out);
        after_ = seq;
        const uint64_t recorded_ns = take_recorded_ns(line);
        std::string type, category;
        if (type_of(line, type, category))
            out.push_back(StreamItem{StreamItem::Kind::event, seq, std::move(type),
                                     std::move(category), std::move(line), recorded_ns});
    }
    if (lines_.empty() && after_ + 1 < ring_oldest) {
        // Neither the journal nor the ring holds these any more.
        notice(after_ + 1, ring_oldest - 1 - after_, "expired", out);
        after_ = ring_oldest - 1;
    }
    return true;
}

// The type and category of a journal line that passes the filter (from its leading fields,
// which the hub writes first, or else by decoding the whole line); false when it does not pass
// or is not an event.
bool StreamReader::type_of(std::string_view line, std::string& type, std::string& category) {
    if (auto head = journal_line_head(line)) {
        if (!filter_.matches(head->type, head->category)) return false;
        type.assign(head->type);
        category.assign(head->category);
        return true;
    }
    Event e;
    DecodeError err;
    if (!decoder_.decode(line, e, err) || !filter_.matches(e.type, e.category)) return false;
    type = std::move(e.type);
    category = std::move(e.category);
    return true;
}

void StreamReader::unassigned(uint64_t from, uint64_t to, std::vector<StreamItem>& out) {
    if (after_ >= from && after_ < to) {
        // This reader saw seqs the journal never stored: the hub handed them out, then
        // crashed. How many of the rest held events is unknown, so no count is claimed.
        Event e = make_event("events_dropped",
                             JsonObject()
                                 .add("from_seq", after_ + 1)
                                 .add("to_seq", to)
                                 .add("reason", "unstored")
                                 .finish(),
                             source_);
        out.push_back(
            StreamItem{StreamItem::Kind::notice, to, e.type, e.category, encode_event(e), 0});
    }
    out.push_back(StreamItem{StreamItem::Kind::unassigned, to, {}, {}, {}, 0});
    after_ = std::max(after_, to);
}

void StreamReader::notice(uint64_t from, uint64_t count, std::string_view reason,
                          std::vector<StreamItem>& out) {
    Event e = make_event(
        "events_dropped",
        JsonObject().add("count", count).add("from_seq", from).add("reason", reason).finish(),
        source_);
    out.push_back(StreamItem{StreamItem::Kind::notice, from + count - 1, e.type, e.category,
                             encode_event(e), 0});
    metrics_.dropped(reason, count);
}

}  // namespace faultline::hub
