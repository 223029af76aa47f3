// libFuzzer target: Chromium's /json answers and log lines on arbitrary bytes: the rewriter,
// the /json/version URL reader and the log-line URL parser never crash, and a rewrite of a
// document without DevTools URLs changes nothing.
#include <cstdint>
#include <string>

#include "cdp/devtools_url.hpp"
#include "proxy/json_rewrite.hpp"

using namespace faultline::cdp;
using namespace faultline::proxy;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    PublicEndpoint ep{"proxy.example:9222", (size & 1) != 0, (size & 2) ? "token=t" : ""};
    auto out = rewrite_devtools_json(in, ep);
    if (out && in.find("webSocketDebuggerUrl") == std::string_view::npos &&
        in.find("devtoolsFrontendUrl") == std::string_view::npos && *out != in)
        __builtin_trap();
    (void)version_ws_url(in);
    if (auto url = devtools_url_from_log_line(in); url && !parse_devtools_url(*url))
        __builtin_trap();
    (void)rewrite_ws_url(in, ep);
    (void)rewrite_frontend_url(in, ep);
    (void)is_valid_host_header(in);
    return 0;
}
