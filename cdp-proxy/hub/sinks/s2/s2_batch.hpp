// S2 append batches: one record per event (the envelope's JSON as the body; seq, type and the
// idempotency key as headers), cut to S2's limits of 1,000 records and 1 MiB of metered bytes
// per append, and the AppendInput JSON of a batch (s2-format raw: bodies are UTF-8 text).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace faultline::hub::sinks::s2 {

inline constexpr size_t kMaxBatchRecords = 1000;
inline constexpr size_t kMaxBatchMeteredBytes = size_t{1} << 20;
// Record header names.
inline constexpr std::string_view kSeqHeader = "seq";
inline constexpr std::string_view kTypeHeader = "type";
inline constexpr std::string_view kKeyHeader = "idempotency-key";

struct S2Record {
    uint64_t seq = 0;
    std::string type;
    std::string key;   // the event's idempotency key (hub instance id and seq)
    std::string body;  // the envelope, one line of JSON
};

// S2's metered size: 8 + 2 per header + header names and values + body.
size_t metered_bytes(const S2Record& r);

// A single record no append can carry (S2 would answer 400 every time).
inline bool oversized(const S2Record& r) {
    return metered_bytes(r) > kMaxBatchMeteredBytes;
}

// How many records from the front of `pending` make one append: at least one (unless pending
// is empty), at most max_records, and within max_bytes of metered bytes (a first record over
// max_bytes is returned alone, for the caller to set aside as oversized).
size_t take_batch(std::span<const S2Record> pending, size_t max_records = kMaxBatchRecords,
                  size_t max_bytes = kMaxBatchMeteredBytes);

// The AppendInput body: {"records":[{"headers":[[..]..],"body":".."}..],"match_seq_num":N}.
std::string append_body(std::span<const S2Record> batch, std::optional<uint64_t> match_seq_num);

}  // namespace faultline::hub::sinks::s2
