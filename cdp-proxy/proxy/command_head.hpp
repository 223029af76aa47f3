// The head of a CDP message, read from its edges only (cdp::MessageEdges: the first and last
// bytes): a command's id, method and sessionId; a reply's id, sessionId and error. Params and
// results are never looked at. Clients (Playwright, Puppeteer, CRI) write id and method first and
// sessionId last; Chromium writes id, then result or error, then sessionId.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "cdp/ws_frame.hpp"

namespace faultline::proxy {

struct CommandHead {
    int64_t id = 0;
    std::string method;
    std::string session_id;  // "" = the connection's own target
};

struct ReplyHead {
    int64_t id = 0;
    std::string session_id;
    std::optional<int64_t> error_code;
    std::string error_message;  // cut where the head ends
};

// How many bytes of each message's start and end the relay keeps for these.
inline constexpr size_t kHeadBytes = 256, kTailBytes = 128;

std::optional<CommandHead> parse_command_head(const cdp::MessageEdges& m);
std::optional<ReplyHead> parse_reply_head(const cdp::MessageEdges& m);

}  // namespace faultline::proxy
