#include "listener_protocol.hpp"

#include <fmt/format.h>

#include <charconv>

namespace faultline::shim {

namespace {
bool is_space(char c) {
    return c == ' ' || c == '\t';
}

// Length in bytes of the UTF-8 sequence a lead byte starts (1 for ASCII and invalid bytes).
int sequence_length(unsigned char b) {
    if (b >= 0xC2 && b <= 0xDF) return 2;
    if (b >= 0xE0 && b <= 0xEF) return 3;
    if (b >= 0xF0 && b <= 0xF4) return 4;
    return 1;
}

std::string clip(std::string_view s) {
    return std::string(s.substr(0, 200));
}
}  // namespace

bool split_tokens(std::string_view line, Tokens& out, std::string& error) {
    out.clear();
    size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && is_space(line[i])) ++i;
        if (i == line.size()) break;
        size_t end = i;
        while (end < line.size() && !is_space(line[end])) ++end;
        std::string_view tok = line.substr(i, end - i);
        i = end;
        size_t colon = tok.find(':');
        if (colon == std::string_view::npos || colon == 0) {
            error = fmt::format("token '{}' is not key:value", clip(tok));
            return false;
        }
        std::string_view key = tok.substr(0, colon);
        if (token(out, key)) {
            error = fmt::format("key '{}' appears twice", clip(key));
            return false;
        }
        out.emplace_back(key, tok.substr(colon + 1));
    }
    return true;
}

std::optional<std::string_view> token(const Tokens& tokens, std::string_view key) {
    for (const auto& [k, v] : tokens)
        if (k == key) return v;
    return std::nullopt;
}

std::optional<uint64_t> parse_u64(std::string_view s) {
    uint64_t v = 0;
    if (s.empty() || s[0] < '0' || s[0] > '9') return std::nullopt;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return v;
}

bool parse_envelope(std::string_view line, Envelope& out, std::string& error) {
    Tokens toks;
    if (!split_tokens(line, toks, error)) return false;
    auto eventname = token(toks, "eventname");
    if (!eventname || eventname->empty()) {
        error = "header has no eventname";
        return false;
    }
    auto len_text = token(toks, "len");
    if (!len_text) {
        error = "header has no len";
        return false;
    }
    auto len = parse_u64(*len_text);
    if (!len || *len > kMaxPayloadLen) {
        error = fmt::format("header len '{}' is not a length up to {}", clip(*len_text),
                            kMaxPayloadLen);
        return false;
    }
    out = Envelope{};
    for (auto [key, field] : {std::pair{"serial", &out.serial}, {"poolserial", &out.poolserial}})
        if (auto v = token(toks, key)) {
            auto n = parse_u64(*v);
            if (!n) {
                error = fmt::format("header {} '{}' is not a number", key, clip(*v));
                return false;
            }
            *field = *n;
        }
    out.eventname = std::string(*eventname);
    out.len = *len;
    out.ver = std::string(token(toks, "ver").value_or(""));
    out.server = std::string(token(toks, "server").value_or(""));
    out.pool = std::string(token(toks, "pool").value_or(""));
    return true;
}

size_t ProtocolReader::feed(std::string_view bytes) {
    if (ready_) return 0;
    size_t used = 0;
    while (used < bytes.size() && !ready_) {
        std::string_view rest = bytes.substr(used);
        switch (state_) {
            case State::header:
                used += feed_header(rest);
                break;
            case State::skip_line:
                used += feed_skip(rest);
                break;
            case State::payload:
                used += feed_payload(rest);
                break;
        }
    }
    return used;
}

Message ProtocolReader::take() {
    Message m = std::move(msg_);
    msg_ = Message{};
    ready_ = false;
    return m;
}

void ProtocolReader::reset() {
    state_ = State::header;
    ready_ = false;
    line_.clear();
    msg_ = Message{};
    chars_ = 0;
    cont_left_ = 0;
}

size_t ProtocolReader::feed_header(std::string_view bytes) {
    size_t nl = bytes.find('\n');
    size_t take = nl == std::string_view::npos ? bytes.size() : nl;
    if (line_.size() + take > kMaxHeaderLine) {
        // Too long to be a header: report it now and drop the rest of the line.
        line_.append(bytes.substr(0, std::min(take, kMaxHeaderLine + 1 - line_.size())));
        msg_.malformed = true;
        msg_.error = fmt::format("header line longer than {} bytes", kMaxHeaderLine);
        msg_.header_line = clip(line_);
        line_.clear();
        state_ = nl == std::string_view::npos ? State::skip_line : State::header;
        complete();
        return nl == std::string_view::npos ? bytes.size() : nl + 1;
    }
    line_.append(bytes.substr(0, take));
    if (nl == std::string_view::npos) return bytes.size();
    finish_header();
    return nl + 1;
}

size_t ProtocolReader::feed_skip(std::string_view bytes) {
    size_t nl = bytes.find('\n');
    if (nl == std::string_view::npos) return bytes.size();
    state_ = State::header;
    return nl + 1;
}

void ProtocolReader::finish_header() {
    std::string error;
    if (!parse_envelope(line_, msg_.envelope, error)) {
        msg_.malformed = true;
        msg_.error = std::move(error);
        msg_.header_line = clip(line_);
        msg_.envelope = Envelope{};
        line_.clear();
        complete();
        return;
    }
    line_.clear();
    chars_ = 0;
    cont_left_ = 0;
    if (msg_.envelope.len == 0) {
        complete();
        return;
    }
    state_ = State::payload;
}

size_t ProtocolReader::feed_payload(std::string_view bytes) {
    const uint64_t len = msg_.envelope.len;
    auto store = [&](char c) {
        if (msg_.payload.size() < kMaxStoredPayload)
            msg_.payload.push_back(c);
        else
            msg_.truncated = true;
    };
    for (size_t i = 0; i < bytes.size(); ++i) {
        const auto b = static_cast<unsigned char>(bytes[i]);
        const bool continuation = (b & 0xC0) == 0x80;
        if (cont_left_ > 0) {
            if (continuation) {
                store(bytes[i]);
                if (--cont_left_ == 0 && chars_ == len) {
                    state_ = State::header;
                    complete();
                    return i + 1;
                }
                continue;
            }
            cont_left_ = 0;  // a cut-off sequence: this byte starts the next character
            if (chars_ == len) {
                state_ = State::header;
                complete();
                return i;
            }
        }
        store(bytes[i]);
        ++chars_;
        cont_left_ = continuation ? 0 : sequence_length(b) - 1;
        if (chars_ == len && cont_left_ == 0) {
            state_ = State::header;
            complete();
            return i + 1;
        }
    }
    return bytes.size();
}

}  // namespace faultline::shim
