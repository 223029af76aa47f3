// JSON output: a correct string escaper and a small object builder (fmt-based).
#pragma once

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace faultline {

namespace detail {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is invalid.
inline size_t utf8_sequence_length(std::string_view s, size_t i) {
    auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = b(i);
    if (c < 0x80) return 1;
    size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (n == 0 || c > 0xF4 || i + n > s.size()) return 0;
    for (size_t k = 1; k < n; ++k)
        if ((b(i + k) & 0xC0) != 0x80) return 0;
    if (c == 0xE0 && b(i + 1) < 0xA0) return 0;   // overlong
    if (c == 0xED && b(i + 1) >= 0xA0) return 0;  // surrogate
    if (c == 0xF0 && b(i + 1) < 0x90) return 0;   // overlong
    if (c == 0xF4 && b(i + 1) >= 0x90) return 0;  // > U+10FFFF
    return n;
}

}  // namespace detail

// Appends s as a JSON string literal. Escapes '"', '\\' and control characters (as \u00XX);
// invalid UTF-8 bytes become U+FFFD so the output is always valid JSON.
inline void append_json_string(std::string& out, std::string_view s) {
    out.push_back('"');
    size_t i = 0;
    while (i < s.size()) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        if (c == '"' || c == '\\') {
            out.push_back('\\');
            out.push_back(static_cast<char>(c));
            ++i;
        } else if (c < 0x20) {
            fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);
            ++i;
        } else if (c < 0x80) {
            out.push_back(static_cast<char>(c));
            ++i;
        } else if (size_t n = detail::utf8_sequence_length(s, i); n > 0) {
            out.append(s.substr(i, n));
            i += n;
        } else {
            out.append("\\ufffd");
            ++i;
        }
    }
    out.push_back('"');
}

inline std::string json_string(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 2);
    append_json_string(out, s);
    return out;
}

// Appends a JSON number; NaN and infinities (not representable in JSON) become null.
inline void append_json_number(std::string& out, double v) {
    if (!std::isfinite(v)) {
        out.append("null");
        return;
    }
    fmt::format_to(std::back_inserter(out), "{}", v);
}

// Builds one JSON object, field by field, in insertion order.
class JsonObject {
  public:
    JsonObject& add(std::string_view key, std::string_view v) {
        key_(key);
        append_json_string(out_, v);
        return *this;
    }
    JsonObject& add(std::string_view key, const char* v) { return add(key, std::string_view(v)); }
    JsonObject& add(std::string_view key, const std::string& v) {
        return add(key, std::string_view(v));
    }
    JsonObject& add(std::string_view key, bool v) {
        key_(key);
        out_.append(v ? "true" : "false");
        return *this;
    }
    template <class I>
    requires(std::is_integral_v<I> &&
             !std::is_same_v<I, bool>) JsonObject& add(std::string_view key, I v) {
        key_(key);
        fmt::format_to(std::back_inserter(out_), "{}", v);
        return *this;
    }
    JsonObject& add(std::string_view key, double v) {
        key_(key);
        append_json_number(out_, v);
        return *this;
    }
    JsonObject& add(std::string_view key, std::nullptr_t) {
        key_(key);
        out_.append("null");
        return *this;
    }
    JsonObject& add(std::string_view key, const std::vector<std::string>& v) {
        key_(key);
        out_.push_back('[');
        for (size_t i = 0; i < v.size(); ++i) {
            if (i) out_.push_back(',');
            append_json_string(out_, v[i]);
        }
        out_.push_back(']');
        return *this;
    }
    // Inserts already-encoded JSON (the caller guarantees it is valid).
    JsonObject& add_raw(std::string_view key, std::string_view json) {
        key_(key);
        out_.append(json);
        return *this;
    }
    // Adds the field only when the optional-like value holds one.
    template <class Opt>
    JsonObject& add_if(std::string_view key, const Opt& v) {
        if (v) add(key, *v);
        return *this;
    }
    // Closes the object and returns its text (the builder is spent).
    std::string finish() {
        out_.push_back('}');
        return std::move(out_);
    }

  private:
    void key_(std::string_view key) {
        if (out_.size() > 1) out_.push_back(',');
        append_json_string(out_, key);
        out_.push_back(':');
    }
    std::string out_ = "{";
};

}  // namespace faultline
