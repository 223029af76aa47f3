// DevTools URL handling: Chromium's URLs from its log and /json/version, and the rewriting of
// /json answers so clients come back through the proxy.
#include <string>

#include "catch.hpp"
#include "cdp/devtools_url.hpp"
#include "proxy/json_rewrite.hpp"

using namespace faultline::cdp;
using namespace faultline::proxy;

TEST_CASE("Chromium's browser URL is parsed from a log line") {
    auto url = devtools_url_from_log_line(
        "\r\nDevTools listening on ws://127.0.0.1:9223/devtools/browser/0b5e-11\r");
    REQUIRE(url);
    CHECK(*url == "ws://127.0.0.1:9223/devtools/browser/0b5e-11");
    auto parsed = parse_devtools_url(*url);
    REQUIRE(parsed);
    CHECK(parsed->authority == "127.0.0.1:9223");
    CHECK(parsed->address.host == "127.0.0.1");
    CHECK(parsed->address.port == 9223);
    CHECK(parsed->path == "/devtools/browser/0b5e-11");
    auto v6 = parse_devtools_url("ws://[::1]:9333/devtools/browser/x");
    REQUIRE(v6);
    CHECK(v6->address.host == "::1");
    CHECK_FALSE(devtools_url_from_log_line("[WARNING] something else"));
    CHECK_FALSE(devtools_url_from_log_line("DevTools listening on http://x:1/"));
    CHECK_FALSE(parse_devtools_url("ws://127.0.0.1/devtools"));  // no port
    CHECK_FALSE(parse_devtools_url("ws://127.0.0.1:9223"));      // no path
    CHECK_FALSE(parse_devtools_url("ws://127.0.0.1:99999/x"));   // bad port
    CHECK_FALSE(parse_devtools_url("ws://127.0.0.1:1/a\x01"));   // control char
}

TEST_CASE("/json/version's webSocketDebuggerUrl is found") {
    CHECK(version_ws_url(
              R"({"Browser":"Chrome/1","webSocketDebuggerUrl":"ws://h:1/devtools/browser/u"})") ==
          std::optional<std::string>("ws://h:1/devtools/browser/u"));
    CHECK_FALSE(version_ws_url(R"({"Browser":"Chrome/1"})"));
    CHECK_FALSE(version_ws_url("not json"));
    CHECK_FALSE(version_ws_url(R"({"webSocketDebuggerUrl":7})"));
}

TEST_CASE("webSocketDebuggerUrl points at the proxy as addressed") {
    PublicEndpoint ep{"proxy.example:9222", false, ""};
    CHECK(rewrite_ws_url("ws://127.0.0.1:9223/devtools/page/AB", ep) ==
          std::optional<std::string>("ws://proxy.example:9222/devtools/page/AB"));
    PublicEndpoint tls{"cdp.example", true, "token=abc"};
    CHECK(rewrite_ws_url("ws://127.0.0.1:9223/devtools/browser/u", tls) ==
          std::optional<std::string>("wss://cdp.example/devtools/browser/u?token=abc"));
    CHECK_FALSE(rewrite_ws_url("http://127.0.0.1:9223/x", ep));
    CHECK_FALSE(rewrite_ws_url("ws://no-path", ep));
}

TEST_CASE("the ws= parameter of devtoolsFrontendUrl is rewritten, wss= behind TLS") {
    std::string fe =
        "https://chrome-devtools-frontend.appspot.com/serve_rev/@abc/"
        "inspector.html?ws=127.0.0.1:9223/devtools/page/AB&x=1";
    CHECK(rewrite_frontend_url(fe, {"p:9222", false, ""}) ==
          std::optional<std::string>("https://chrome-devtools-frontend.appspot.com/serve_rev/@abc/"
                                     "inspector.html?ws=p:9222/devtools/page/AB&x=1"));
    CHECK(
        rewrite_frontend_url("/devtools/inspector.html?a=b&ws=h:1/devtools/page/Z",
                             {"cdp.example", true, ""}) ==
        std::optional<std::string>("/devtools/inspector.html?a=b&wss=cdp.example/devtools/page/Z"));
    CHECK_FALSE(rewrite_frontend_url("/devtools/inspector.html", {"p", false, ""}));
    CHECK_FALSE(rewrite_frontend_url("/x?wsx=1", {"p", false, ""}));
}

TEST_CASE("a /json document keeps every other byte, including Chromium's formatting") {
    std::string list =
        "[ {\n   \"description\": \"\",\n   \"devtoolsFrontendUrl\": "
        "\"/i.html?ws=127.0.0.1:9223/devtools/page/A\",\n   \"id\": \"A\",\n   "
        "\"nested\": {\"webSocketDebuggerUrl\": \"ws://keep/devtools/x\"},\n   "
        "\"webSocketDebuggerUrl\": \"ws://127.0.0.1:9223/devtools/page/A\"\n}, "
        "{\"id\": \"B\", \"type\": \"page\"} ]\n";
    auto out = rewrite_devtools_json(list, {"p:1", false, ""});
    REQUIRE(out);
    std::string want = list;
    want.replace(want.find("127.0.0.1:9223/devtools/page/A\","), 14, "p:1");
    want.replace(want.find("ws://127.0.0.1:9223"), 19, "ws://p:1");
    CHECK(*out == want);
    auto version = rewrite_devtools_json(
        R"({"Browser":"Chrome/156","webSocketDebuggerUrl":"ws://127.0.0.1:9223/devtools/browser/u"})",
        {"h:2", false, "token=t"});
    REQUIRE(version);
    CHECK(version->find(R"("webSocketDebuggerUrl":"ws://h:2/devtools/browser/u?token=t")") !=
          std::string::npos);
}

TEST_CASE("documents of another shape are left to the caller") {
    PublicEndpoint ep{"p", false, ""};
    CHECK_FALSE(rewrite_devtools_json("", ep));
    CHECK_FALSE(rewrite_devtools_json("\"str\"", ep));
    CHECK_FALSE(rewrite_devtools_json("[1,2]", ep));
    CHECK_FALSE(rewrite_devtools_json("{\"a\":1} trailing", ep));
    CHECK_FALSE(rewrite_devtools_json("{\"a\":", ep));
}

TEST_CASE("only Host values safe in a URL are echoed") {
    CHECK(is_valid_host_header("127.0.0.1:9222"));
    CHECK(is_valid_host_header("[::1]:9222"));
    CHECK(is_valid_host_header("cdp.example.internal"));
    CHECK_FALSE(is_valid_host_header(""));
    CHECK_FALSE(is_valid_host_header("evil\"host"));
    CHECK_FALSE(is_valid_host_header("a/b"));
    CHECK_FALSE(is_valid_host_header(std::string(256, 'a')));
}
