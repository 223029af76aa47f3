// Recognising journal records in raw segment bytes, for crash recovery and replay.
// A record is one line `{"seq":N,...}\n` as written by the hub: the envelope with one member
// appended, `"recorded_ns":T` (when the hub recorded it, Unix nanoseconds, wall clock), which
// readers strip again. Anything else (a torn write after kill -9, garbage after a power loss)
// is not a record.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace faultline::hub {

// The seq of a complete record line (without its '\n'); nullopt when the line is not one:
// it must start with {"seq":<1-20 digits, no leading zero, fits uint64, non-zero>, and end with }.
std::optional<uint64_t> journal_line_seq(std::string_view line);

// The fields the hub writes first in every record: {"seq":N,"ts":"…","type":"…","category":"…",
struct JournalHead {
    uint64_t seq = 0;
    std::string_view ts, type, category;  // views into the line
};
// Reads those leading fields without parsing the rest; nullopt when the line is not a record
// or does not start exactly so (an escape in a value included): the caller then decodes it.
std::optional<JournalHead> journal_line_head(std::string_view line);

// Appends the journal line of an envelope recorded at recorded_ns (no '\n').
void append_journal_line(std::string& out, std::string_view envelope, uint64_t recorded_ns);
// Strips the recorded time from a journal line, leaving the envelope, and returns it; 0 (the
// line untouched) when it has none, as in journals written before it was added.
uint64_t take_recorded_ns(std::string& line);

// The journal's record of seqs that were reserved but never assigned (the rest of a reserved
// block after a crash): {"seq":B,"unassigned_from":A} says no event has a seq in A..B. The
// first start after the crash writes it, so readers skip the range without a drop.
std::string unassigned_record(uint64_t from, uint64_t to);
// A, when line (a record line, recorded time stripped or not) is such a record.
std::optional<uint64_t> unassigned_from(std::string_view line);

// Length of the recoverable prefix of a segment: everything up to and including the '\n' of
// the last complete record line. Bytes after it (a torn or garbage tail) are to be cut.
size_t journal_valid_prefix(std::string_view contents);

}  // namespace faultline::hub
