// Parsing S2's REST answers: the AppendAck of a 200, the AppendConditionFailed of a 412, the
// tail of a check-tail, a ReadBatch (records with their headers) and ErrorInfo bodies. Strict
// about what the sink relies on, tolerant of fields it does not use; never throws.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace faultline::hub::sinks::s2 {

struct S2AppendAck {
    uint64_t start = 0;  // seq_num of the first record appended
    uint64_t end = 0;    // seq_num of the last record appended + 1
    uint64_t tail = 0;   // next seq_num the stream will assign
};

struct S2ConditionFailed {
    std::optional<uint64_t> seq_num_mismatch;           // the stream's actual next seq_num
    std::optional<std::string> fencing_token_mismatch;  // the stream's actual fencing token
};

struct S2ReadRecord {
    uint64_t seq_num = 0;
    std::string key;  // the idempotency-key header; empty when the record has none
};

struct S2ReadBatch {
    std::vector<S2ReadRecord> records;
    std::optional<uint64_t> tail;
};

bool parse_append_ack(std::string_view body, S2AppendAck& out, std::string& error);
bool parse_condition_failed(std::string_view body, S2ConditionFailed& out, std::string& error);
// {"tail":{"seq_num":N,"timestamp":T}} (check-tail, and the 416 of a read past the tail).
bool parse_tail(std::string_view body, uint64_t& tail, std::string& error);
bool parse_read_batch(std::string_view body, S2ReadBatch& out, std::string& error);
// "code: message" of an ErrorInfo body, else the body itself, cut to 300 bytes on one line.
std::string error_summary(std::string_view body);

}  // namespace faultline::hub::sinks::s2
