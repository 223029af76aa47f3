// One /dev/kmsg record: "pri,seq,ts_usec,flags[,more...];message\n" followed by zero or more
// " KEY=VALUE\n" dictionary lines. Message and values arrive with every byte < 0x20, >= 0x7f
// and '\' escaped as "\xNN"; the parser unescapes them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace faultline::kmsgmon {

struct KmsgRecord {
    unsigned pri = 0;           // (facility << 3) | level
    uint64_t seq = 0;           // kernel record sequence number
    uint64_t ts_us = 0;         // kernel timestamp, microseconds since boot (not wall clock)
    bool continuation = false;  // flags field 'c': a fragment continuing the previous record
    std::string message;        // unescaped text
    std::vector<std::pair<std::string, std::string>> dict;  // unescaped KEY=VALUE lines

    unsigned facility() const { return pri >> 3; }
    unsigned level() const { return pri & 7; }
    // Only the kernel writes facility 0: user space writing /dev/kmsg is forced to LOG_USER.
    bool from_kernel() const { return facility() == 0; }
};

// Parses one record (the trailing newline is optional) into out. Returns false with a short
// reason in error for anything that is not a well-formed record (out is then unspecified).
// Never throws on any input (only std::bad_alloc).
bool parse_kmsg_record(std::string_view raw, KmsgRecord& out, std::string& error);

// Returns s with every "\xNN" (two hex digits, either case) replaced by that byte. Any other
// backslash sequence is kept as it is.
std::string unescape_kmsg(std::string_view s);

}  // namespace faultline::kmsgmon
