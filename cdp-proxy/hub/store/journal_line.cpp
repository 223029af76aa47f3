#include "hub/store/journal_line.hpp"

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
