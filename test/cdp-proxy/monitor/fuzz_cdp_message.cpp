// Any sequence of CDP messages (one per line) through BrowserSession with every category
// captured: malformed JSON, wrong types, unknown sessions, crashes, bindings, and replies to the
// commands it sent (ids count from 1: screenshots, bodies, layout metrics). No crash, no hang.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "monitor/browser_session.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    faultline::monitor::MonitorOptions opts;
    opts.screenshot_max_bytes = 64;  // replies with images exercise the downscaling path
    size_t emitted = 0;
    int64_t next_id = 0;
    faultline::monitor::BrowserSession s(
        [&](std::string_view, std::string_view, std::string_view) { return ++next_id; }, opts,
        [&](std::string_view, std::string) { ++emitted; },
        [&](std::string_view, std::string, std::string) { ++emitted; });
    s.set_categories({"console", "network", "page", "interaction", "screenshot"}, 0);
    std::string_view in(reinterpret_cast<const char*>(data), size);
    int64_t now = 0;
    while (!in.empty()) {
        const size_t nl = in.find('\n');
        s.on_message(in.substr(0, nl), now);
        now += 700;
        s.on_timer(now);
        if (nl == std::string_view::npos) break;
        in.remove_prefix(nl + 1);
    }
    s.flush(now);
    return 0;
}
