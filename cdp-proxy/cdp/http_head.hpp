// HTTP/1.x message heads (request line or status line, then header fields) as the proxy's own
// accept loop sees them. Strict: anything that is not a well-formed head is an error with the
// status code to answer and a message a human can act on. Never reads past the blank line.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace faultline::cdp {

inline constexpr size_t kMaxHeadBytes = 16 * 1024;  // larger heads are answered with 431
inline constexpr size_t kMaxHeaderFields = 100;

struct HttpHeader {
    std::string name;   // as received
    std::string value;  // leading/trailing whitespace removed
};

struct HttpRequest {
    std::string method;
    std::string target;     // raw request-target, origin-form ("/path?query")
    std::string path;       // target before '?'
    std::string query;      // target after '?', without it ("" when none)
    int minor_version = 1;  // HTTP/1.<minor>
    std::vector<HttpHeader> headers;
    size_t head_size = 0;  // bytes of the head including the blank line

    // The first header with this name (case-insensitive), or nullptr.
    const std::string* header(std::string_view name) const;
};

struct HttpResponseHead {
    int status = 0;
    std::string reason;
    std::vector<HttpHeader> headers;
    size_t head_size = 0;
    const std::string* header(std::string_view name) const;
};

enum class ParseStatus { complete, incomplete, invalid };

// Typed, not a plain error string: the proxy answers with its status (400, 431, 505).
struct HttpError {
    int status = 400;
    std::string message;
};

// Parses a request head at the start of buf. complete: out is filled (head_size tells where
// the body starts); incomplete: no blank line yet and buf is under the size limit; invalid:
// err holds the status (400, 431, 505) and the reason.
ParseStatus parse_request_head(std::string_view buf, HttpRequest& out, HttpError& err);

// Parses a response head (status line + headers) at the start of buf; same contract.
ParseStatus parse_response_head(std::string_view buf, HttpResponseHead& out, HttpError& err);

// True when the comma-separated header value contains token (case-insensitive).
bool header_has_token(std::string_view value, std::string_view token);

bool iequals(std::string_view a, std::string_view b);

// The standard reason phrase for the statuses the proxy produces ("Error" otherwise).
std::string_view reason_phrase(int status);

}  // namespace faultline::cdp
