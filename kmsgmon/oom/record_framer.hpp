// Splits a byte stream in /dev/kmsg format into records: a record is one line that does not
// start with a space plus the " KEY=VALUE" lines that follow it. /dev/kmsg hands out one record
// per read(); files and FIFOs (--kmsg PATH) may split or join them arbitrarily, so both go
// through this framer.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace faultline::kmsgmon {

class RecordFramer {
  public:
    // Longer lines or records are discarded (counted in discarded()); /dev/kmsg records are at
    // most 8 KiB.
    static constexpr size_t kMaxRecordBytes = 64 * 1024;
    using Sink = std::function<void(std::string_view record)>;

    // Consumes bytes. Calls sink for every record known to be complete, i.e. followed by the
    // first line of the next record. Returns the number of records emitted.
    size_t feed(std::string_view bytes, const Sink& sink);
    // Emits the pending record made of complete lines, if any (call when the source has no
    // more data for now). Returns the number of records emitted (0 or 1).
    size_t flush(const Sink& sink);
    // End of input: emits the pending record and an unterminated last line. Returns the number
    // of records emitted.
    size_t finish(const Sink& sink);

    // Lines dropped: over-long lines and records, and continuation lines with no record.
    uint64_t discarded() const { return discarded_; }

  private:
    void take_line(std::string_view line, const Sink& sink, size_t& emitted);

    std::string pending_;    // complete lines of the record being assembled
    std::string partial_;    // bytes of a line whose newline has not arrived yet
    bool skipping_ = false;  // inside an over-long line: drop bytes up to the next newline
    uint64_t discarded_ = 0;
};

}  // namespace faultline::kmsgmon
