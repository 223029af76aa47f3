#include "hub/store/journal_line.hpp"

#include <fmt/format.h>

#include <charconv>

namespace faultline::hub {

std::optional<uint64_t> journal_line_seq(std::string_view line) {
    constexpr std::string_view kPrefix = "{\"seq\":";
    if (!line.starts_with(kPrefix) || !line.ends_with('}')) return std::nullopt;
    std::string_view rest = line.substr(kPrefix.size());
    size_t digits = 0;
    while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9') ++digits;
    if (digits == 0 || digits > 20 || digits == rest.size() || rest[digits] != ',')
        return std::nullopt;
    if (rest[0] == '0') return std::nullopt;  // no leading zeros, and seq 0 is never assigned
    uint64_t seq = 0;
    auto [p, ec] = std::from_chars(rest.data(), rest.data() + digits, seq);
    if (ec != std::errc() || p != rest.data() + digits) return std::nullopt;  // overflow
    return seq;
}

namespace {
// Consumes `,"<key>":"<value>"` at the front of rest; the value may not hold '"' or '\\'.
bool take_string_field(std::string_view& rest, std::string_view key, std::string_view& value) {
    if (rest.size() < key.size() + 5 || rest[0] != ',' || rest[1] != '"' ||
        rest.substr(2, key.size()) != key || rest.substr(2 + key.size(), 3) != "\":\"")
        return false;
    rest.remove_prefix(key.size() + 5);
    const size_t end = rest.find_first_of("\"\\");
    if (end == std::string_view::npos || end == 0 || rest[end] != '"') return false;
    value = rest.substr(0, end);
    rest.remove_prefix(end + 1);
    return true;
}
}  // namespace

std::optional<JournalHead> journal_line_head(std::string_view line) {
    JournalHead h;
    if (auto seq = journal_line_seq(line))
        h.seq = *seq;
    else
        return std::nullopt;
    std::string_view rest = line.substr(line.find(','));
    if (!take_string_field(rest, "ts", h.ts) || !take_string_field(rest, "type", h.type) ||
        !take_string_field(rest, "category", h.category) || !rest.starts_with(','))
        return std::nullopt;
    return h;
}

namespace {
constexpr std::string_view kRecorded = ",\"recorded_ns\":";
}

void append_journal_line(std::string& out, std::string_view envelope, uint64_t recorded_ns) {
    if (envelope.empty() || envelope.back() != '}' || recorded_ns == 0) {
        out.append(envelope);
        return;
    }
    out.append(envelope.substr(0, envelope.size() - 1)).append(kRecorded);
    char digits[24];
    out.append(digits, std::to_chars(digits, digits + sizeof digits, recorded_ns).ptr)
        .push_back('}');
}

uint64_t take_recorded_ns(std::string& line) {
    // ...,"data":{...},"recorded_ns":T}  The digits right before the final brace put the
    // member in the envelope itself: one in data would be followed by data's own brace.
    if (line.size() < kRecorded.size() + 3 || line.back() != '}') return 0;
    size_t start = line.size() - 1;
    while (start > 0 && line[start - 1] >= '0' && line[start - 1] <= '9') --start;
    const size_t digits = line.size() - 1 - start;
    if (digits == 0 || digits > 20 || line[start] == '0' || start < kRecorded.size() + 1 ||
        std::string_view(line).substr(start - kRecorded.size(), kRecorded.size()) != kRecorded)
        return 0;
    uint64_t ns = 0;
    auto [p, ec] = std::from_chars(line.data() + start, line.data() + line.size() - 1, ns);
    if (ec != std::errc() || p != line.data() + line.size() - 1) return 0;
    line.resize(start - kRecorded.size());
    line.push_back('}');
    return ns;
}

std::string unassigned_record(uint64_t from, uint64_t to) {
    return fmt::format(R"({{"seq":{},"unassigned_from":{}}})", to, from);
}

std::optional<uint64_t> unassigned_from(std::string_view line) {
    const auto seq = journal_line_seq(line);
    if (!seq) return std::nullopt;
    constexpr std::string_view key = R"(,"unassigned_from":)";
    const size_t at = line.find(',');
    if (at == std::string_view::npos || line.substr(at, key.size()) != key) return std::nullopt;
    const char* p = line.data() + at + key.size();
    uint64_t from = 0;
    auto [end, ec] = std::from_chars(p, line.data() + line.size(), from);
    if (ec != std::errc() || end == p || from == 0 || from > *seq) return std::nullopt;
    return from;
}

size_t journal_valid_prefix(std::string_view contents) {
    size_t valid = 0, start = 0;
    while (start < contents.size()) {
        size_t nl = contents.find('\n', start);
        if (nl == std::string_view::npos) break;  // torn: no terminating newline
        if (journal_line_seq(contents.substr(start, nl - start))) valid = nl + 1;
        start = nl + 1;
    }
    return valid;
}

}  // namespace faultline::hub
