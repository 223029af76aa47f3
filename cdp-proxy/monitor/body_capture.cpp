#include "monitor/body_capture.hpp"

#include <array>
#include <cstdint>

namespace faultline::monitor {

namespace {

bool starts_with_ci(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (size_t i = 0; i < prefix.size(); ++i) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (c != prefix[i]) return false;
    }
    return true;
}

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// The MIME type without parameters, lower-cased.
std::string essence(std::string_view mime) {
    std::string out;
    for (char c : mime.substr(0, mime.find(';'))) {
        if (c == ' ' || c == '\t') continue;
        out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
    }
    return out;
}

}  // namespace

size_t body_cap(std::string_view resource_type, std::string_view mime_type) {
    for (auto skip : {"Font", "Image", "Media", "Stylesheet", "Script"})
        if (resource_type == skip) return 0;
    const std::string m = essence(mime_type);
    for (auto s : {"application/json", "application/xml", "application/x-www-form-urlencoded",
                   "application/graphql", "text/xml", "text/csv"})
        if (starts_with_ci(m, s)) return kStructuredBodyCap;
    if (starts_with_ci(m, "application/vnd.") &&
        (ends_with(m, "+json") || ends_with(m, "+xml") || ends_with(m, "+csv")))
        return kStructuredBodyCap;
    if (starts_with_ci(m, "text/plain") || starts_with_ci(m, "text/html")) return kTextBodyCap;
    return 0;
}

std::string_view cut_utf8(std::string_view s, size_t cap) {
    if (s.size() <= cap) return s;
    size_t end = cap;
    // Step back over continuation bytes (10xxxxxx) to the lead byte of the cut sequence.
    size_t lead = end;
    while (lead > 0 && end - lead < 3 && (static_cast<unsigned char>(s[lead - 1]) & 0xC0) == 0x80)
        --lead;
    if (lead > 0) {
        const auto b = static_cast<unsigned char>(s[lead - 1]);
        const size_t need = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
        if (b >= 0xC0 && end - (lead - 1) < need) end = lead - 1;  // sequence does not fit
    }
    return s.substr(0, end);
}

std::optional<std::string> decode_base64(std::string_view in, size_t max_out) {
    static constexpr auto kTable = [] {
        std::array<int8_t, 256> t{};
        for (auto& v : t) v = -1;
        constexpr std::string_view a =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (size_t i = 0; i < a.size(); ++i) t[static_cast<unsigned char>(a[i])] = int8_t(i);
        return t;
    }();
    while (!in.empty() && in.back() == '=') in.remove_suffix(1);
    if (in.size() % 4 == 1) return std::nullopt;
    std::string out;
    out.reserve(std::min(max_out, in.size() * 3 / 4));
    uint32_t acc = 0;
    int bits = 0;
    for (char c : in) {
        const int v = kTable[static_cast<unsigned char>(c)];
        if (v < 0) return std::nullopt;
        acc = (acc << 6) | static_cast<uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (out.size() >= max_out) return out;
            out.push_back(static_cast<char>((acc >> bits) & 0xff));
        }
    }
    return out;
}

std::optional<CapturedBody> capture_body(std::string_view body, bool base64, size_t cap) {
    CapturedBody out;
    std::string decoded;
    if (base64) {
        auto d = decode_base64(body, cap + 1);  // one byte over the cap tells it was cut
        if (!d) return std::nullopt;
        decoded = std::move(*d);
        body = decoded;
    }
    const std::string_view kept = cut_utf8(body, cap);
    out.truncated = kept.size() < body.size();
    out.text.assign(kept);
    return out;
}

}  // namespace faultline::monitor
