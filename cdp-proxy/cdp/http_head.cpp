#include "cdp/http_head.hpp"

#include <algorithm>
#include <cctype>

namespace faultline::cdp {

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

namespace {

const std::string* find_header(const std::vector<HttpHeader>& hs, std::string_view name) {
    for (const auto& h : hs)
        if (iequals(h.name, name)) return &h.value;
    return nullptr;
}

// RFC 9110 tchar.
bool is_tchar(char c) {
    if (std::isalnum(static_cast<unsigned char>(c))) return true;
    return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// Finds the end of the head. Returns the size including "\r\n\r\n", 0 when absent.
size_t head_end(std::string_view buf) {
    size_t pos = buf.find("\r\n\r\n");
    return pos == std::string_view::npos ? 0 : pos + 4;
}

ParseStatus fail(HttpError& err, int status, std::string message) {
    err.status = status;
    err.message = std::move(message);
    return ParseStatus::invalid;
}

// Splits the head (without the final blank line) into its first line and header fields.
ParseStatus parse_fields(std::string_view head, std::string_view& first_line,
                         std::vector<HttpHeader>& out, HttpError& err) {
    size_t eol = head.find("\r\n");
    first_line = head.substr(0, eol);
    if (eol == std::string_view::npos) return ParseStatus::complete;
    std::string_view rest = head.substr(eol + 2);
    while (!rest.empty()) {
        size_t e = rest.find("\r\n");
        std::string_view line = rest.substr(0, e);
        rest = e == std::string_view::npos ? std::string_view() : rest.substr(e + 2);
        if (line.empty()) continue;
        if (line.front() == ' ' || line.front() == '\t')
            return fail(err, 400, "folded header lines are not allowed");
        size_t colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0)
            return fail(err, 400, "malformed header line (expected 'Name: value')");
        std::string_view name = line.substr(0, colon);
        if (!std::all_of(name.begin(), name.end(), is_tchar))
            return fail(err, 400, "invalid character in a header name");
        std::string_view value = trim(line.substr(colon + 1));
        for (char c : value)
            if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f)
                return fail(err, 400, "control character in a header value");
        if (out.size() >= kMaxHeaderFields) return fail(err, 431, "too many header fields");
        out.push_back({std::string(name), std::string(value)});
    }
    return ParseStatus::complete;
}

// Finds the head's end or decides it is incomplete/too large.
ParseStatus locate_head(std::string_view buf, size_t& size, HttpError& err) {
    std::string_view window = buf.substr(0, std::min(buf.size(), kMaxHeadBytes));
    size = head_end(window);
    if (size) return ParseStatus::complete;
    if (buf.size() >= kMaxHeadBytes) return fail(err, 431, "header block is larger than 16 KiB");
    return ParseStatus::incomplete;
}

bool parse_version(std::string_view v, int& minor) {
    if (v.size() != 8 || !v.starts_with("HTTP/1.") ||
        !std::isdigit(static_cast<unsigned char>(v[7])))
        return false;
    minor = v[7] - '0';
    return true;
}

}  // namespace

const std::string* HttpRequest::header(std::string_view name) const {
    return find_header(headers, name);
}
const std::string* HttpResponseHead::header(std::string_view name) const {
    return find_header(headers, name);
}

ParseStatus parse_request_head(std::string_view buf, HttpRequest& out, HttpError& err) {
    size_t size = 0;
    if (auto st = locate_head(buf, size, err); st != ParseStatus::complete) return st;
    out = HttpRequest{};
    std::string_view line;
    if (auto st = parse_fields(buf.substr(0, size - 4), line, out.headers, err);
        st != ParseStatus::complete)
        return st;
    // request-line = method SP request-target SP HTTP-version (single spaces, like Chromium).
    size_t sp1 = line.find(' ');
    size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos)
        return fail(err, 400, "malformed request line (expected 'METHOD /path HTTP/1.1')");
    std::string_view method = line.substr(0, sp1);
    std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    std::string_view version = line.substr(sp2 + 1);
    if (method.empty() || !std::all_of(method.begin(), method.end(), is_tchar))
        return fail(err, 400, "invalid request method");
    if (!parse_version(version, out.minor_version)) {
        if (version.starts_with("HTTP/")) return fail(err, 505, "only HTTP/1.x is supported");
        return fail(err, 400, "malformed request line (expected 'METHOD /path HTTP/1.1')");
    }
    if (!target.starts_with('/'))
        return fail(err, 400, "the request target must be a path starting with '/'");
    for (char c : target)
        if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f)
            return fail(err, 400, "invalid character in the request target");
    out.method = std::string(method);
    out.target = std::string(target);
    size_t q = target.find('?');
    out.path = std::string(target.substr(0, q));
    out.query = q == std::string_view::npos ? "" : std::string(target.substr(q + 1));
    out.head_size = size;
    return ParseStatus::complete;
}

ParseStatus parse_response_head(std::string_view buf, HttpResponseHead& out, HttpError& err) {
    size_t size = 0;
    if (auto st = locate_head(buf, size, err); st != ParseStatus::complete) return st;
    out = HttpResponseHead{};
    std::string_view line;
    if (auto st = parse_fields(buf.substr(0, size - 4), line, out.headers, err);
        st != ParseStatus::complete)
        return st;
    // status-line = HTTP-version SP 3DIGIT SP reason-phrase
    int minor = 0;
    if (line.size() < 12 || !parse_version(line.substr(0, 8), minor) || line[8] != ' ' ||
        !std::isdigit(static_cast<unsigned char>(line[9])) ||
        !std::isdigit(static_cast<unsigned char>(line[10])) ||
        !std::isdigit(static_cast<unsigned char>(line[11])) ||
        (line.size() > 12 && line[12] != ' '))
        return fail(err, 502, "malformed status line from upstream");
    out.status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
    out.reason = line.size() > 13 ? std::string(line.substr(13)) : "";
    out.head_size = size;
    return ParseStatus::complete;
}

bool header_has_token(std::string_view value, std::string_view token) {
    while (!value.empty()) {
        size_t comma = value.find(',');
        if (iequals(trim(value.substr(0, comma)), token)) return true;
        if (comma == std::string_view::npos) break;
        value.remove_prefix(comma + 1);
    }
    return false;
}

std::string_view reason_phrase(int status) {
    switch (status) {
        case 101:
            return "Switching Protocols";
        case 200:
            return "OK";
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 408:
            return "Request Timeout";
        case 426:
            return "Upgrade Required";
        case 431:
            return "Request Header Fields Too Large";
        case 500:
            return "Internal Server Error";
        case 502:
            return "Bad Gateway";
        case 503:
            return "Service Unavailable";
        case 504:
            return "Gateway Timeout";
        case 505:
            return "HTTP Version Not Supported";
        default:
            return "Error";
    }
}

}  // namespace faultline::cdp
