#include "hub/sinks/s2/s2_batch.hpp"

#include <fmt/format.h>

#include "faultline/json_writer.hpp"

namespace faultline::hub::sinks::s2 {

namespace {

size_t digits(uint64_t v) {
    size_t n = 1;
    while (v >= 10) v /= 10, ++n;
    return n;
}

void append_header(std::string& out, std::string_view name, std::string_view value) {
    out.push_back('[');
    append_json_string(out, name);
    out.push_back(',');
    append_json_string(out, value);
    out.push_back(']');
}

}  // namespace

size_t metered_bytes(const S2Record& r) {
    return 8 + 2 * 3 + kSeqHeader.size() + digits(r.seq) + kTypeHeader.size() + r.type.size() +
           kKeyHeader.size() + r.key.size() + r.body.size();
}

size_t take_batch(std::span<const S2Record> pending, size_t max_records, size_t max_bytes) {
    size_t n = 0, bytes = 0;
    for (const auto& r : pending) {
        const size_t size = metered_bytes(r);
        if (n == max_records || (n > 0 && bytes + size > max_bytes)) break;
        bytes += size;
        ++n;
        if (bytes > max_bytes) break;  // an oversized first record goes alone
    }
    return n;
}

std::string append_body(std::span<const S2Record> batch, std::optional<uint64_t> match_seq_num) {
    std::string out;
    size_t reserve = 64;
    for (const auto& r : batch) reserve += metered_bytes(r) + r.body.size() / 8 + 48;
    out.reserve(reserve);
    out.append("{\"records\":[");
    for (size_t i = 0; i < batch.size(); ++i) {
        const S2Record& r = batch[i];
        if (i) out.push_back(',');
        out.append("{\"headers\":[");
        append_header(out, kSeqHeader, fmt::format("{}", r.seq));
        out.push_back(',');
        append_header(out, kTypeHeader, r.type);
        out.push_back(',');
        append_header(out, kKeyHeader, r.key);
        out.append("],\"body\":");
        append_json_string(out, r.body);
        out.push_back('}');
    }
    out.push_back(']');
    if (match_seq_num)
        fmt::format_to(std::back_inserter(out), ",\"match_seq_num\":{}", *match_seq_num);
    out.push_back('}');
    return out;
}

}  // namespace faultline::hub::sinks::s2
