// BrowserSession driven by CDP message fixtures, its commands recorded: a second session to an
// already attached target is detached, page_tab_opened is only for tabs opened under the
// capture, and requests that never finish leave the table after the TTL (and stop holding
// network idle back).
#include "monitor/browser_session.hpp"

#include <fmt/format.h>

#include <string>
#include <vector>

#include "catch.hpp"

using namespace faultline::monitor;

namespace {

struct Sent {
    std::string method, params, sid;
};

struct Harness {
    std::vector<Sent> sent;
    std::vector<std::pair<std::string, std::string>> events;
    MonitorOptions opts;
    BrowserSession session{[this](std::string_view m, std::string_view p, std::string_view s) {
                               sent.push_back({std::string(m), std::string(p), std::string(s)});
                               return static_cast<int64_t>(sent.size());
                           },
                           opts,
                           [this](std::string_view t, std::string d) {
                               events.emplace_back(std::string(t), std::move(d));
                           },
                           [this](std::string_view t, std::string d, std::string) {
                               events.emplace_back(std::string(t), std::move(d));
                           }};

    void attached(std::string_view sid, std::string_view target, bool waiting, int64_t now = 0,
                  std::string_view type = "page") {
        session.on_message(fmt::format(R"({{"method":"Target.attachedToTarget","params":{{)"
                                       R"("sessionId":"{}","waitingForDebugger":{},)"
                                       R"("targetInfo":{{"targetId":"{}","type":"{}",)"
                                       R"("url":"about:blank","title":"","openerId":""}}}}}})",
                                       sid, waiting, target, type),
                           now);
    }
    void on(std::string_view sid, std::string_view method, std::string_view params, int64_t now) {
        session.on_message(
            fmt::format(R"({{"method":"{}","sessionId":"{}","params":{}}})", method, sid, params),
            now);
    }
    size_t count_sent(std::string_view method, std::string_view needle = {}) const {
        size_t n = 0;
        for (const auto& s : sent)
            n += s.method == method && s.params.find(needle) != std::string::npos;
        return n;
    }
    size_t count_events(std::string_view type) const {
        size_t n = 0;
        for (const auto& e : events) n += e.first == type;
        return n;
    }
};

std::string request(std::string_view id) {
    return fmt::format(R"({{"requestId":"{}","loaderId":"L1","frameId":"T1","type":"XHR",)"
                       R"("timestamp":1.0,"request":{{"url":"http://a/{}","method":"GET",)"
                       R"("headers":{{}}}}}})",
                       id, id);
}

constexpr std::string_view kNavigated =
    R"({"frame":{"id":"T1","loaderId":"L1","url":"http://a/"}})";

}  // namespace

TEST_CASE("a second session to an attached target is detached; the first is kept") {
    Harness h;
    h.session.set_categories({"network"}, 0);
    h.attached("A", "T1", true);
    h.attached("B", "T1", false);  // getTargets' explicit attach crossed auto-attach
    CHECK(h.session.attached_sessions() == 1);
    CHECK(h.count_sent("Target.detachFromTarget", R"("sessionId":"B")") == 1);
    CHECK(h.count_sent("Target.detachFromTarget", R"("sessionId":"A")") == 0);
    // The detached duplicate is not left paused either.
    size_t resumed_b = 0;
    for (const auto& s : h.sent)
        resumed_b += s.method == "Runtime.runIfWaitingForDebugger" && s.sid == "B";
    CHECK(resumed_b == 1);
    // The same session announced again is not a duplicate.
    h.attached("A", "T1", false);
    CHECK(h.count_sent("Target.detachFromTarget", R"("sessionId":"A")") == 0);
}

TEST_CASE("Chromium's own UI targets are detached, pages, iframes and workers kept") {
    Harness h;
    h.session.set_categories({"network", "console"}, 0);
    h.attached("U", "T0", true, 0, "browser_ui");  // the omnibox popup of headless Chromium
    h.attached("P", "T1", true, 0, "page");
    h.attached("F", "T2", true, 0, "iframe");
    h.attached("W", "T3", true, 0, "worker");
    h.attached("S", "T4", true, 0, "service_worker");
    CHECK(h.session.attached_sessions() == 4);
    CHECK(h.count_sent("Target.detachFromTarget", R"("sessionId":"U")") == 1);
    CHECK(h.count_sent("Target.detachFromTarget") == 1);
    size_t enabled_u = 0;
    for (const auto& s : h.sent) enabled_u += s.sid == "U" && s.method.ends_with(".enable");
    CHECK(enabled_u == 0);
}

TEST_CASE("page_tab_opened only for a tab opened under the capture") {
    Harness h;
    h.session.set_categories({"page"}, 0);
    h.attached("A", "T1", false);  // existed when the capture began
    CHECK(h.count_events("page_tab_opened") == 0);
    h.attached("B", "T2", true);  // created now: auto-attach holds it for the debugger
    REQUIRE(h.count_events("page_tab_opened") == 1);
    CHECK(h.events.back().second.find(R"("target_id":"T2")") != std::string::npos);
}

TEST_CASE("a request that never finishes is forgotten after the TTL and stops holding idle") {
    Harness h;
    h.session.set_categories({"network"}, 0);
    h.attached("A", "T1", true);
    h.on("A", "Page.frameNavigated", kNavigated, 100);
    h.on("A", "Network.requestWillBeSent", request("R1"), 200);
    h.session.on_timer(10000);
    CHECK(h.count_events("network_idle") == 0);
    CHECK(h.session.pending_requests() == 1);
    // Swept once a minute: R1 stays until a sweep finds it 5 min old; a younger one is kept.
    h.on("A", "Network.requestWillBeSent", request("R2"), kRequestTtlMs - 1000);
    for (int64_t t = kRequestSweepMs; t <= kRequestTtlMs; t += kRequestSweepMs) {
        h.session.on_timer(t);
        CHECK(h.session.pending_requests() == 2);
    }
    CHECK(h.count_events("network_idle") == 0);
    const int64_t sweep = kRequestTtlMs + kRequestSweepMs;
    h.session.on_timer(sweep);
    CHECK(h.session.pending_requests() == 1);
    h.session.on_timer(sweep + 600);
    CHECK(h.count_events("network_idle") == 0);  // R2 is still in flight
    h.on("A", "Network.loadingFinished", R"({"requestId":"R2","timestamp":2.0})", sweep + 700);
    CHECK(h.session.pending_requests() == 0);
    h.session.on_timer(sweep + 1300);
    CHECK(h.count_events("network_idle") == 1);
}

TEST_CASE("request and response headers carry no credentials") {
    Harness h;
    h.session.set_categories({"network"}, 0);
    h.attached("A", "T1", true);
    h.on("A", "Page.frameNavigated", kNavigated, 100);
    h.on("A", "Network.requestWillBeSent",
         R"({"requestId":"R1","loaderId":"L1","frameId":"T1","type":"XHR","timestamp":1.0,)"
         R"("request":{"url":"http://a/x","method":"GET","headers":{"Authorization":"Bearer )"
         R"(tok-1","cookie":"sid=tok-2","X-Api-Key":"tok-3","Accept":"*/*"}}})",
         200);
    h.on("A", "Network.responseReceived",
         R"({"requestId":"R1","type":"XHR","response":{"status":200,"mimeType":"image/png",)"
         R"("headers":{"Set-Cookie":"sid=tok-4","Proxy-Authorization":"Basic tok-5",)"
         R"("Content-Type":"image/png"}}})",
         300);
    h.on("A", "Network.loadingFinished", R"({"requestId":"R1","timestamp":2.0})", 400);
    REQUIRE(h.count_events("network_request") == 1);
    REQUIRE(h.count_events("network_response") == 1);
    std::string all;
    for (const auto& e : h.events) all += e.second;
    for (auto secret : {"tok-1", "tok-2", "tok-3", "tok-4", "tok-5"})
        CHECK(all.find(secret) == std::string::npos);
    CHECK(all.find(R"("Authorization":"[redacted]")") != std::string::npos);
    CHECK(all.find(R"("Set-Cookie":"[redacted]")") != std::string::npos);
    CHECK(all.find(R"("Accept":"*/*")") != std::string::npos);
    CHECK(all.find(R"("Content-Type":"image/png")") != std::string::npos);
}

TEST_CASE("any capture enables Page on pages (navigation context); page_* only under page") {
    for (const char* cat : {"network", "console", "interaction"}) {
        Harness h;
        h.session.set_categories({cat}, 0);
        h.attached("A", "T1", true);
        CHECK(h.count_sent("Page.enable") == 1);
        h.on("A", "Page.frameNavigated", kNavigated, 100);
        h.on("A", "Page.loadEventFired", R"({"timestamp":3.0})", 200);
        CHECK(h.count_events("page_navigation") == 0);
        CHECK(h.count_events("page_load") == 0);
        h.on("A", "Runtime.consoleAPICalled",
             R"({"type":"log","args":[{"type":"string","value":"hi"}]})", 300);
        if (std::string_view(cat) == "console") {
            REQUIRE(h.count_events("console_log") == 1);
            CHECK(h.events.back().second.find(R"("url":"http://a/")") != std::string::npos);
            CHECK(h.events.back().second.find(R"("nav_seq":1)") != std::string::npos);
        }
    }
}

namespace {
// The id of the last command of this method (ids are 1-based positions in sent).
int64_t last_id(const Harness& h, std::string_view method) {
    for (size_t i = h.sent.size(); i > 0; --i)
        if (h.sent[i - 1].method == method) return static_cast<int64_t>(i);
    return 0;
}
void reply(Harness& h, int64_t id, std::string_view result, int64_t now) {
    h.session.on_message(fmt::format(R"({{"id":{},"result":{}}})", id, result), now);
}
// base64 of n bytes.
std::string b64_of(size_t n) {
    return std::string(n / 3 * 4, 'A');
}
}  // namespace

TEST_CASE("a screenshot over the cap is taken again at half the scale until it fits") {
    Harness h;
    h.opts.screenshot_max_bytes = 1000;
    h.session.set_categories({"screenshot"}, 0);
    h.attached("A", "T1", true);
    h.on("A", "Page.frameNavigated", kNavigated, 10);
    h.on("A", "Page.loadEventFired", R"({"timestamp":3.0})", 20);
    REQUIRE(h.count_sent("Page.captureScreenshot") == 1);
    reply(h, last_id(h, "Page.captureScreenshot"), fmt::format(R"({{"data":"{}"}})", b64_of(3000)),
          30);
    REQUIRE(h.count_sent("Page.getLayoutMetrics") == 1);
    reply(h, last_id(h, "Page.getLayoutMetrics"),
          R"({"cssVisualViewport":{"pageX":0,"pageY":0,"clientWidth":800,"clientHeight":600}})",
          40);
    REQUIRE(h.count_sent("Page.captureScreenshot", R"("scale":0.5)") == 1);
    reply(h, last_id(h, "Page.captureScreenshot"), fmt::format(R"({{"data":"{}"}})", b64_of(1500)),
          50);
    REQUIRE(h.count_sent("Page.captureScreenshot", R"("scale":0.25)") == 1);
    CHECK(h.count_events("monitor_screenshot") == 0);
    reply(h, last_id(h, "Page.captureScreenshot"), fmt::format(R"({{"data":"{}"}})", b64_of(900)),
          60);
    REQUIRE(h.count_events("monitor_screenshot") == 1);
    CHECK(h.events.back().second.find(R"("bytes":900)") != std::string::npos);
}

TEST_CASE("a screenshot still over the cap at 1/16 is not published") {
    Harness h;
    h.opts.screenshot_max_bytes = 10;
    h.session.set_categories({"screenshot"}, 0);
    h.attached("A", "T1", true);
    h.on("A", "Page.loadEventFired", R"({"timestamp":3.0})", 20);
    reply(h, last_id(h, "Page.captureScreenshot"), fmt::format(R"({{"data":"{}"}})", b64_of(300)),
          30);
    reply(h, last_id(h, "Page.getLayoutMetrics"),
          R"({"cssVisualViewport":{"pageX":0,"pageY":0,"clientWidth":800,"clientHeight":600}})",
          40);
    for (int i = 0; i < 10; ++i)
        reply(h, last_id(h, "Page.captureScreenshot"),
              fmt::format(R"({{"data":"{}"}})", b64_of(300)), 50);
    CHECK(h.count_sent("Page.captureScreenshot") == 5);  // 1, 1/2, 1/4, 1/8, 1/16
    CHECK(h.count_events("monitor_screenshot") == 0);
    // Not stuck: the next trigger after the interval takes a new one.
    h.on("A", "Page.loadEventFired", R"({"timestamp":9.0})", 5000);
    CHECK(h.count_sent("Page.captureScreenshot") == 6);
}

TEST_CASE("a screenshot in flight when the capture ends does not block the next capture's") {
    Harness h;
    h.session.set_categories({"screenshot"}, 0);
    h.attached("A", "T1", true);
    h.on("A", "Page.loadEventFired", R"({"timestamp":3.0})", 20);
    REQUIRE(h.count_sent("Page.captureScreenshot") == 1);
    const int64_t unanswered = last_id(h, "Page.captureScreenshot");
    h.session.set_categories({}, 100);  // detached: Chromium never answers that command
    // Only the browser-level setAutoAttach and getTargets (unanswered here) still wait.
    CHECK(h.session.pending_commands() == 2);
    h.session.set_categories({"screenshot"}, 5000);
    h.attached("B", "T1", false);
    h.on("B", "Page.loadEventFired", R"({"timestamp":9.0})", 5000);
    REQUIRE(h.count_sent("Page.captureScreenshot") == 2);
    reply(h, unanswered, fmt::format(R"({{"data":"{}"}})", b64_of(30)), 5001);  // stale: ignored
    CHECK(h.count_events("monitor_screenshot") == 0);
    reply(h, last_id(h, "Page.captureScreenshot"), fmt::format(R"({{"data":"{}"}})", b64_of(30)),
          5002);
    CHECK(h.count_events("monitor_screenshot") == 1);
}

TEST_CASE("a detached session's unanswered commands are forgotten") {
    Harness h;
    h.session.set_categories({"network"}, 0);
    h.attached("A", "T1", true);
    h.attached("B", "T2", true);
    const size_t both = h.session.pending_commands();
    REQUIRE(both >= 2);  // each asked for its frame tree
    h.session.on_message(R"({"method":"Target.detachedFromTarget","params":{"sessionId":"B"}})",
                         10);
    CHECK(h.session.pending_commands() == both - 1);  // B's Page.getFrameTree
    CHECK(h.session.attached_sessions() == 1);
}
