#include "pressure/meminfo_reader.hpp"

#include <charconv>

namespace faultline::kmsgmon {

namespace {

// The kB value of a "Key:   1234 kB" line body, or -1 when it is not a number.
int64_t parse_kb(std::string_view v) {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    int64_t n = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || p == v.data() || n < 0) return -1;
    return n;
}

}  // namespace

bool parse_meminfo(std::string_view text, MemInfo& out, std::string& error) {
    MemInfo m;
    bool total = false, available = false;
    while (!text.empty()) {
        size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        size_t colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        std::string_view key = line.substr(0, colon);
        int64_t* field = key == "MemTotal"       ? &m.mem_total_kb
                         : key == "MemAvailable" ? &m.mem_available_kb
                         : key == "SwapTotal"    ? &m.swap_total_kb
                         : key == "SwapFree"     ? &m.swap_free_kb
                                                 : nullptr;
        if (!field) continue;
        int64_t v = parse_kb(line.substr(colon + 1));
        if (v < 0) {
            error = "meminfo: bad value for " + std::string(key);
            return false;
        }
        *field = v;
        total |= field == &m.mem_total_kb;
        available |= field == &m.mem_available_kb;
    }
    if (!total || !available) {
        error = "meminfo: MemTotal or MemAvailable missing (kernel older than 3.14?)";
        return false;
    }
    out = m;
    return true;
}

bool MeminfoReader::read(MemInfo& out, std::string& error) {
    char buf[8192];
    std::string_view text;
    return file_.read(buf, text, error) && parse_meminfo(text, out, error);
}

}  // namespace faultline::kmsgmon
