#include "oom/kmsg_record.hpp"

#include <charconv>

namespace faultline::kmsgmon {
namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Parses a whole field as an unsigned decimal. Returns false on empty, non-digit or overflow.
template <class T>
bool parse_decimal(std::string_view s, T& out) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return !s.empty() && ec == std::errc() && p == s.data() + s.size();
}

bool fail(std::string& error, const char* why) {
    error = why;
    return false;
}

// Parses "pri,seq,ts_usec[,flags[,...]]" into r. Unknown trailing fields are ignored, as the
// ABI asks. Returns false (with a reason) when a required field is missing or not a number.
bool parse_prefix(std::string_view prefix, KmsgRecord& r, std::string& error) {
    std::string_view fields[4];
    size_t n = 0;
    while (n < 4) {
        size_t comma = prefix.find(',');
        fields[n++] = prefix.substr(0, comma);
        if (comma == std::string_view::npos) break;
        prefix.remove_prefix(comma + 1);
    }
    if (n < 3) return fail(error, "prefix has fewer than three fields");
    if (!parse_decimal(fields[0], r.pri) || r.pri > 1023)  // facility fits in 7 bits
        return fail(error, "priority is not a number");
    if (!parse_decimal(fields[1], r.seq)) return fail(error, "sequence number is not a number");
    if (!parse_decimal(fields[2], r.ts_us)) return fail(error, "timestamp is not a number");
    r.continuation = n > 3 && fields[3].starts_with('c');
    return true;
}

}  // namespace

std::string unescape_kmsg(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] == 'x') {
            const int hi = hex_value(s[i + 2]), lo = hex_value(s[i + 3]);
            if (hi >= 0 && lo >= 0) {
                out.push_back(static_cast<char>(hi * 16 + lo));
                i += 3;
                continue;
            }
        }
        out.push_back(s[i]);
    }
    return out;
}

bool parse_kmsg_record(std::string_view raw, KmsgRecord& r, std::string& error) {
    size_t nl = raw.find('\n');
    std::string_view first = raw.substr(0, nl);
    std::string_view rest = nl == std::string_view::npos ? std::string_view() : raw.substr(nl + 1);
    const size_t semi = first.find(';');
    if (semi == std::string_view::npos) return fail(error, "no ';' after the record prefix");
    r.dict.clear();
    if (!parse_prefix(first.substr(0, semi), r, error)) return false;
    r.message = unescape_kmsg(first.substr(semi + 1));
    while (!rest.empty()) {
        nl = rest.find('\n');
        std::string_view line = rest.substr(0, nl);
        rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
        if (line.empty()) continue;
        if (line[0] != ' ') return fail(error, "dictionary line does not start with a space");
        line.remove_prefix(1);
        const size_t eq = line.find('=');
        if (eq == std::string_view::npos || eq == 0)
            return fail(error, "dictionary line is not KEY=VALUE");
        r.dict.emplace_back(unescape_kmsg(line.substr(0, eq)), unescape_kmsg(line.substr(eq + 1)));
    }
    return true;
}

}  // namespace faultline::kmsgmon
