#include "proxy/command_head.hpp"

#include <charconv>
#include <string_view>

namespace faultline::proxy {

namespace {

std::optional<int64_t> int_after(std::string_view s, std::string_view key) {
    size_t at = s.find(key);
    if (at == std::string_view::npos) return std::nullopt;
    at += key.size();
    int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data() + at, s.data() + s.size(), v);
    if (ec != std::errc() || p == s.data() + at) return std::nullopt;
    return v;
}

// A JSON string value starting at s[at] (just past its opening quote), unescaped; cut at the
// end of s when the closing quote is not in it.
std::string string_at(std::string_view s, size_t at) {
    std::string out;
    for (size_t i = at; i < s.size(); ++i) {
        char c = s[i];
        if (c == '"') break;
        if (c == '\\' && i + 1 < s.size()) {
            char e = s[++i];
            out.push_back(e == 'n' || e == 't' || e == 'r' ? ' ' : e);
            continue;
        }
        out.push_back(c);
    }
    return out;
}

// The top-level "sessionId" when the message ends with it: ..."sessionId":"X"}.
std::string trailing_session(const cdp::MessageEdges& m) {
    std::string_view end = m.tail.empty() ? m.head : m.tail;
    while (!end.empty() && (end.back() == ' ' || end.back() == '\n' || end.back() == '\r'))
        end.remove_suffix(1);
    if (!end.ends_with("\"}")) return {};
    constexpr std::string_view kKey = R"("sessionId":")";
    size_t at = end.rfind(kKey);
    if (at == std::string_view::npos) return {};
    std::string_view v = end.substr(at + kKey.size(), end.size() - 2 - (at + kKey.size()));
    if (v.find('"') != std::string_view::npos) return {};
    return std::string(v);
}

}  // namespace

std::optional<CommandHead> parse_command_head(const cdp::MessageEdges& m) {
    std::string_view h = m.head;
    if (!h.starts_with('{')) return std::nullopt;
    constexpr std::string_view kMethod = R"("method":")";
    const size_t params = h.find(R"("params")");
    const size_t method = h.find(kMethod);
    if (method == std::string_view::npos || method > params) return std::nullopt;
    std::optional<int64_t> id = int_after(h.substr(0, params), R"("id":)");
    if (!id) return std::nullopt;
    CommandHead c;
    c.id = *id;
    c.method = string_at(h, method + kMethod.size());
    if (c.method.empty()) return std::nullopt;
    c.session_id = trailing_session(m);
    return c;
}

std::optional<ReplyHead> parse_reply_head(const cdp::MessageEdges& m) {
    std::string_view h = m.head;
    if (!h.starts_with(R"({"id":)")) return std::nullopt;  // events start with "method"
    std::optional<int64_t> id = int_after(h.substr(0, 32), R"("id":)");
    if (!id) return std::nullopt;
    ReplyHead r;
    r.id = *id;
    size_t rest = h.find(',');
    if (rest != std::string_view::npos && h.substr(rest + 1).starts_with(R"("error":{)")) {
        std::string_view err = h.substr(rest + 1);
        r.error_code = int_after(err.substr(0, 40), R"("code":)");
        constexpr std::string_view kMessage = R"("message":")";
        size_t msg = err.find(kMessage);
        if (msg != std::string_view::npos) r.error_message = string_at(err, msg + kMessage.size());
    }
    r.session_id = trailing_session(m);
    return r;
}

}  // namespace faultline::proxy
