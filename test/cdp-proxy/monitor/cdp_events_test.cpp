// CDP event parameters -> our snake_case event data, from CDP messages as Chromium sends them.
#include "monitor/cdp_events.hpp"

#include "catch.hpp"

using namespace faultline::monitor;

namespace {
const NavContext kCtx{"S1", "T1", "page", "F1", "L1", "https://site.test/", 3};

struct Parsed {
    simdjson::dom::parser parser;
    simdjson::dom::object o;
    explicit Parsed(const char* json) {
        REQUIRE(!parser.parse(std::string_view(json)).get_object().get(o));
    }
};
struct Out {
    simdjson::dom::parser parser;
    simdjson::dom::element e;
    explicit Out(const std::string& json) { REQUIRE(!parser.parse(json).get(e)); }
    std::string s(const char* k) const {
        std::string_view v;
        return e[k].get_string().get(v) ? "<none>" : std::string(v);
    }
    int64_t i(const char* k) const {
        int64_t v;
        return e[k].get_int64().get(v) ? -999 : v;
    }
};
void check_context(const Out& o) {
    CHECK(o.s("target_id") == "T1");
    CHECK(o.s("session_id") == "S1");
    CHECK(o.i("nav_seq") == 3);
}
}  // namespace

TEST_CASE("console.log arguments are rendered as text; console.error is console_error") {
    Parsed p(R"({"type":"log","args":[{"type":"string","value":"hi"},{"type":"number","value":42},
        {"type":"object","description":"Object"},{"type":"undefined"},{"type":"number","unserializableValue":"NaN"}],
        "stackTrace":{"callFrames":[{"functionName":"f","url":"https://site.test/a.js","lineNumber":3,"columnNumber":9}]}})");
    auto [type, data] = console_api_called(kCtx, p.o);
    CHECK(type == "console_log");
    Out o(data);
    check_context(o);
    CHECK(o.s("text") == "hi");
    CHECK(o.s("level") == "log");
    CHECK(data.find(R"("args":["hi","42","Object","undefined","NaN"])") != std::string::npos);
    CHECK(data.find(R"("stack":["f https://site.test/a.js:3:9"])") != std::string::npos);
    Parsed e(R"({"type":"error","args":[{"type":"string","value":"bad"}]})");
    CHECK(console_api_called(kCtx, e.o).first == "console_error");
}

TEST_CASE("an uncaught exception carries its message, position and script") {
    Parsed p(
        R"({"timestamp":1,"exceptionDetails":{"text":"Uncaught","lineNumber":12,"columnNumber":4,
        "url":"https://site.test/app.js","exception":{"type":"object","description":"Error: boom\n    at x"}}})");
    Out o(exception_thrown(kCtx, p.o));
    check_context(o);
    CHECK(o.s("level") == "exception");
    CHECK(o.s("text") == "Uncaught Error: boom\n    at x");
    CHECK(o.i("line") == 12);
    CHECK(o.s("source_url") == "https://site.test/app.js");
}

TEST_CASE("requests, redirects, responses and failures") {
    Parsed req(
        R"({"requestId":"R1","loaderId":"L2","documentURL":"https://site.test/","frameId":"F2",
        "type":"Fetch","initiator":{"type":"script"},"timestamp":100.5,
        "request":{"url":"https://site.test/api","method":"POST","headers":{"Accept":"*/*"},"postData":"password=hunter2"}})");
    const std::string prev = "https://site.test/old";
    Out r(network_request(kCtx, req.o, &prev));
    CHECK(r.s("url") == "https://site.test/api");
    CHECK(r.s("frame_id") == "F2");
    CHECK(r.s("method") == "POST");
    CHECK(r.s("initiator_type") == "script");
    CHECK(r.s("redirect_url") == prev);
    CHECK(r.s("post_data") == "<none>");  // request bodies are never captured
    CHECK(std::string(simdjson::minify(r.e["headers"])) == R"({"Accept":"*/*"})");

    RequestInfo info;
    info.url = "https://site.test/api";
    info.method = "POST";
    info.nav_seq = 2;
    info.sent_timestamp = 100.5;
    Parsed resp(R"({"requestId":"R1","type":"Fetch","response":{"status":201,"statusText":"Created",
        "mimeType":"application/json","headers":{"Content-Type":"application/json"},
        "timing":{"dnsStart":-1,"dnsEnd":-1,"connectStart":0,"connectEnd":1.5,"sslStart":-1,"sslEnd":-1,
        "sendStart":2,"sendEnd":2.25,"receiveHeadersEnd":10.25}}})");
    response_received(info, resp.o);
    Parsed fin(R"({"requestId":"R1","timestamp":100.75,"encodedDataLength":321})");
    const std::string body = R"({"ok":true})";
    Out o(network_response(kCtx, info, fin.o, &body, false));
    CHECK(o.i("status") == 201);
    CHECK(o.i("nav_seq") == 2);  // the request's navigation, not the current one
    CHECK(o.s("mime_type") == "application/json");
    CHECK(o.s("body") == body);
    CHECK(o.i("encoded_bytes") == 321);
    double d = 0;
    REQUIRE(!o.e["duration_ms"].get_double().get(d));
    CHECK(d == 250.0);
    REQUIRE(!o.e["timing"]["wait_ms"].get_double().get(d));
    CHECK(d == 8.0);
    REQUIRE(!o.e["timing"]["dns_ms"].get_double().get(d));
    CHECK(d == -1.0);

    Parsed failed(
        R"({"requestId":"R9","errorText":"net::ERR_CONNECTION_REFUSED","canceled":false,"type":"Fetch"})");
    Out f(loading_failed(kCtx, failed.o, nullptr));
    CHECK(f.s("error_text") == "net::ERR_CONNECTION_REFUSED");
    CHECK(f.s("resource_type") == "Fetch");
}

TEST_CASE("navigations, layout shifts and LCP candidates") {
    Parsed nav(R"({"id":"F1","parentId":"F0","loaderId":"L7","url":"https://site.test/frame"})");
    Out n(page_navigation(kCtx, nav.o, false));
    CHECK(n.s("parent_frame_id") == "F0");
    CHECK(n.s("loader_id") == "L7");
    Parsed shift(R"({"event":{"frameId":"F1","type":"layout-shift","name":"","time":12.5,
        "layoutShiftDetails":{"value":0.25,"hadRecentInput":false,"lastInputTime":0,"sources":[]}}})");
    auto s = timeline_event(kCtx, shift.o);
    REQUIRE(s);
    CHECK(s->first == "page_layout_shift");
    Out so(s->second);
    double v = 0;
    REQUIRE(!so.e["value"].get_double().get(v));
    CHECK(v == 0.25);
    Parsed lcp(R"({"event":{"frameId":"F1","type":"largest-contentful-paint","time":1.5,
        "lcpDetails":{"renderTime":1.4,"loadTime":0,"size":5000,"elementId":"hero","url":""}}})");
    auto l = timeline_event(kCtx, lcp.o);
    REQUIRE(l);
    CHECK(l->first == "page_lcp");
    CHECK(Out(l->second).s("element_id") == "hero");
    Parsed other(R"({"event":{"type":"something-else","time":1}})");
    CHECK_FALSE(timeline_event(kCtx, other.o));
}
