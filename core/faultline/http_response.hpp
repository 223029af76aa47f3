// Incremental parser of one HTTP/1.x response, the reply half of http_client.hpp: status line,
// headers, then a body framed by Content-Length, chunked encoding or the end of the connection.
// Bytes arrive in any split; anything that is not HTTP ends in State::error with a reason.
#pragma once

#include <charconv>
#include <string>
#include <string_view>

namespace faultline {

struct HttpResponse {
    int status = 0;
    std::string body;         // at most HttpResponseParser::max_body bytes are kept
    bool keep_alive = false;  // the server lets the connection be reused
};

class HttpResponseParser {
  public:
    enum class State { need_more, done, error };
    static constexpr size_t max_head = 16 * 1024;
    static constexpr size_t max_body = 64 * 1024;

    // Consumes bytes; returns done once the whole response is in.
    State feed(std::string_view bytes) {
        if (state_ != State::need_more) return state_;
        buf_.append(bytes);
        while (state_ == State::need_more && step()) {
        }
        return state_;
    }

    // The connection closed: completes a body that runs to the end, fails anything else.
    State finish() {
        if (state_ != State::need_more) return state_;
        if (phase_ == Phase::until_close) return done();
        fail(phase_ == Phase::head && buf_.empty() ? "connection closed without a response"
                                                   : "connection closed mid-response");
        return state_;
    }

    const HttpResponse& response() const { return res_; }
    const std::string& error() const { return error_; }

  private:
    enum class Phase { head, sized, chunk_size, chunk_data, chunk_end, trailers, until_close };

    // Advances one phase. Returns false when more bytes are needed (or parsing ended).
    bool step() {
        switch (phase_) {
            case Phase::head:
                return parse_head();
            case Phase::sized:
                if (take_body(remaining_)) done();
                return false;
            case Phase::chunk_size:
                return parse_chunk_size();
            case Phase::chunk_data:
                if (!take_body(remaining_)) return false;
                phase_ = Phase::chunk_end;
                return true;
            case Phase::chunk_end:
                if (!expect_crlf()) return false;
                phase_ = Phase::chunk_size;
                return true;
            case Phase::trailers:
                return skip_trailers();
            case Phase::until_close: {
                size_t all = buf_.size();
                take_body(all);
                return false;
            }
        }
        return false;
    }

    bool parse_head() {
        size_t end = find_bounded("\r\n\r\n", "response headers too large");
        if (end == std::string::npos) return false;
        std::string_view head(buf_.data(), end + 2);
        size_t eol = head.find("\r\n");
        if (!parse_status_line(head.substr(0, eol))) return false;
        for (size_t at = eol + 2; at < head.size();) {
            size_t next = head.find("\r\n", at);
            if (!parse_header(head.substr(at, next - at))) return false;
            at = next + 2;
        }
        buf_.erase(0, end + 4);
        return choose_framing();
    }

    // "HTTP/1.1 200 OK" (the reason phrase is optional).
    bool parse_status_line(std::string_view line) {
        if (line.size() < 12 || !line.starts_with("HTTP/1.") ||
            (line[7] != '0' && line[7] != '1') || line[8] != ' ' ||
            (line.size() > 12 && line[12] != ' '))
            return fail("not an HTTP/1.x status line");
        res_.keep_alive = line[7] == '1';  // HTTP/1.1 defaults to keep-alive, 1.0 to close
        if (!parse_number(line.substr(9, 3), 10, status_) || status_ < 100)
            return fail("bad status code");
        res_.status = status_;
        return true;
    }

    bool parse_header(std::string_view line) {
        size_t colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0) return fail("malformed header line");
        std::string_view name = line.substr(0, colon), value = trim(line.substr(colon + 1));
        if (iequals(name, "content-length")) {
            if (!parse_number(value, 10, remaining_)) return fail("bad Content-Length");
            has_length_ = true;
        } else if (iequals(name, "transfer-encoding")) {
            chunked_ = iequals(value, "chunked");
            if (!chunked_) return fail("unsupported Transfer-Encoding");
        } else if (iequals(name, "connection")) {
            if (iequals(value, "close")) res_.keep_alive = false;
            if (iequals(value, "keep-alive")) res_.keep_alive = true;
        }
        return true;
    }

    bool choose_framing() {
        if (status_ < 200 || status_ == 204 || status_ == 304) {
            if (status_ < 200) return fail("unexpected interim response");
            return done(), false;
        }
        if (chunked_) return phase_ = Phase::chunk_size, true;
        if (has_length_) return phase_ = Phase::sized, true;
        res_.keep_alive = false;  // the body ends where the connection does
        return phase_ = Phase::until_close, true;
    }

    // "1a2b[;extension]\r\n"; a size of 0 starts the trailers.
    bool parse_chunk_size() {
        size_t eol = find_bounded("\r\n", "chunk size line too long");
        if (eol == std::string::npos) return false;
        std::string_view line(buf_.data(), eol);
        if (!parse_number(trim(line.substr(0, line.find(';'))), 16, remaining_))
            return fail("bad chunk size");
        buf_.erase(0, eol + 2);
        phase_ = remaining_ == 0 ? Phase::trailers : Phase::chunk_data;
        return true;
    }

    bool expect_crlf() {
        if (buf_.size() < 2) return false;
        if (buf_.compare(0, 2, "\r\n") != 0) return fail("chunk not followed by CRLF");
        buf_.erase(0, 2);
        return true;
    }

    bool skip_trailers() {
        size_t eol = find_bounded("\r\n", "trailer too long");
        if (eol == std::string::npos) return false;
        buf_.erase(0, eol + 2);
        if (eol == 0) return done(), false;
        return true;
    }

    // Where delim starts in the buffer; npos while it has not arrived, or (failing with
    // too_long) when it does not start within max_head bytes, however the input was split.
    size_t find_bounded(std::string_view delim, const char* too_long) {
        size_t at = buf_.find(delim);
        if (at == std::string::npos ? buf_.size() < max_head + delim.size() : at <= max_head)
            return at;
        fail(too_long);
        return std::string::npos;
    }

    // Moves up to `want` buffered bytes into the body. True when all `want` were there.
    bool take_body(size_t& want) {
        size_t n = std::min(want, buf_.size());
        size_t keep = std::min(n, max_body - std::min(max_body, res_.body.size()));
        res_.body.append(buf_, 0, keep);
        buf_.erase(0, n);
        want -= n;
        return want == 0;
    }

    static bool parse_number(std::string_view s, int base, auto& out) {
        if (s.empty() || s.size() > 15) return false;
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out, base);
        return ec == std::errc() && p == s.data() + s.size();
    }
    static std::string_view trim(std::string_view s) {
        while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
        while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
        return s;
    }
    static bool iequals(std::string_view a, std::string_view b) {
        if (a.size() != b.size()) return false;
        auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c + 32) : c; };
        for (size_t i = 0; i < a.size(); ++i)
            if (lower(a[i]) != lower(b[i])) return false;
        return true;
    }

    State done() { return state_ = State::done; }
    bool fail(const char* why) {
        error_ = why;
        state_ = State::error;
        return false;
    }

    State state_ = State::need_more;
    Phase phase_ = Phase::head;
    std::string buf_, error_;
    HttpResponse res_;
    int status_ = 0;
    size_t remaining_ = 0;
    bool has_length_ = false, chunked_ = false;
};

}  // namespace faultline
