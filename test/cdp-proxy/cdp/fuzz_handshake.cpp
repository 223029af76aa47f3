// libFuzzer target: the proxy's HTTP head parser and WebSocket handshake checks on arbitrary
// bytes (as request and as Chromium's response), and everything derived from a parsed request.
#include <cstdint>
#include <string>

#include "cdp/http_head.hpp"
#include "cdp/ws_handshake.hpp"
#include "proxy/auth.hpp"

using namespace faultline::cdp;
using namespace faultline::proxy;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    HttpRequest req;
    HttpError err;
    ParseStatus st = parse_request_head(in, req, err);
    if (st == ParseStatus::invalid && (err.status < 400 || err.message.empty())) __builtin_trap();
    if (st == ParseStatus::complete) {
        if (req.head_size > in.size() || req.head_size > kMaxHeadBytes) __builtin_trap();
        if (is_websocket_upgrade(req)) {
            auto e = check_websocket_upgrade(req);
            if (e && e->message.empty()) __builtin_trap();
        }
        (void)parse_devtools_path(req.path);
        std::string stripped = strip_token_param(req.query);
        if (token_param(stripped)) __builtin_trap();  // no token survives stripping
        (void)token_accepted(req, "s3cret");
        std::string fwd = build_upstream_handshake(req, req.path, "127.0.0.1:9223", true);
        HttpRequest again;
        if (parse_request_head(fwd, again, err) == ParseStatus::complete &&
            (again.header("Origin") || again.header("Authorization")))
            __builtin_trap();
    }
    HttpResponseHead head;
    (void)parse_response_head(in, head, err);
    return 0;
}
