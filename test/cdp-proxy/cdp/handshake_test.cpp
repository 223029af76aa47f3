// The HTTP head parser, WebSocket handshake checks and the request forwarded to Chromium:
// every bad handshake gets a clear status and message.
#include <string>

#include "catch.hpp"
#include "cdp/http_head.hpp"
#include "cdp/ws_handshake.hpp"

using namespace faultline::cdp;

namespace {

const std::string kKey = "dGhlIHNhbXBsZSBub25jZQ==";

std::string upgrade(const std::string& extra = "",
                    const std::string& key_line = "Sec-WebSocket-Key: " + kKey + "\r\n",
                    const std::string& version_line = "Sec-WebSocket-Version: 13\r\n") {
    return "GET /devtools/browser/abc?token=t&x=1 HTTP/1.1\r\nHost: proxy.example:9222\r\n"
           "Upgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n" +
           key_line + version_line + "Origin: https://evil.example\r\n" + extra + "\r\n";
}

HttpRequest parse_ok(const std::string& text) {
    HttpRequest req;
    HttpError err;
    REQUIRE(parse_request_head(text, req, err) == ParseStatus::complete);
    return req;
}

HttpError parse_error(const std::string& text) {
    HttpRequest req;
    HttpError err;
    REQUIRE(parse_request_head(text, req, err) == ParseStatus::invalid);
    CHECK_FALSE(err.message.empty());
    return err;
}

}  // namespace

TEST_CASE("a valid upgrade request parses and passes the checks") {
    std::string text = upgrade() + "leftover";
    HttpRequest req = parse_ok(text);
    CHECK(req.method == "GET");
    CHECK(req.path == "/devtools/browser/abc");
    CHECK(req.query == "token=t&x=1");
    CHECK(req.minor_version == 1);
    CHECK(req.head_size == text.size() - 8);
    REQUIRE(req.header("sec-websocket-key"));
    CHECK(*req.header("SEC-WEBSOCKET-KEY") == kKey);
    CHECK(is_websocket_upgrade(req));
    CHECK_FALSE(check_websocket_upgrade(req).has_value());
}

TEST_CASE("an incomplete head asks for more; an oversized one is 431") {
    HttpRequest req;
    HttpError err;
    CHECK(parse_request_head("GET / HTTP/1.1\r\nHost: x\r\n", req, err) == ParseStatus::incomplete);
    CHECK(parse_request_head("", req, err) == ParseStatus::incomplete);
    std::string huge = "GET / HTTP/1.1\r\nX-Filler: " + std::string(kMaxHeadBytes, 'a');
    CHECK(parse_error(huge).status == 431);
    std::string many = "GET / HTTP/1.1\r\n";
    for (size_t i = 0; i <= kMaxHeaderFields; ++i) many += "X-" + std::to_string(i) + ": v\r\n";
    CHECK(parse_error(many + "\r\n").status == 431);
}

TEST_CASE("malformed heads are 400, other HTTP versions 505") {
    CHECK(parse_error(std::string("\x16\x03\x01\x00\xff\r\n\r\n", 9)).status == 400);
    CHECK(parse_error("GET  / HTTP/1.1\r\n\r\n").status == 400);
    CHECK(parse_error("GET / HTTP/1.1 extra\r\n\r\n").status == 400);
    CHECK(parse_error("GET http://x/ HTTP/1.1\r\n\r\n").status == 400);
    CHECK(parse_error("GET /a\x01 HTTP/1.1\r\n\r\n").status == 400);
    CHECK(parse_error("G(T / HTTP/1.1\r\n\r\n").status == 400);
    CHECK(parse_error("GET / HTTP/2.0\r\n\r\n").status == 505);
    CHECK(parse_error("GET / FTP/1.1\r\n\r\n").status == 400);
    CHECK(parse_error("GET / HTTP/1.1\r\n folded: x\r\n\r\n").status == 400);
    CHECK(parse_error("GET / HTTP/1.1\r\nNoColon\r\n\r\n").status == 400);
    CHECK(parse_error("GET / HTTP/1.1\r\n: empty-name\r\n\r\n").status == 400);
    CHECK(parse_error("GET / HTTP/1.1\r\nBad Name: x\r\n\r\n").status == 400);
    CHECK(parse_error(std::string("GET / HTTP/1.1\r\nX: a\0b\r\n\r\n", 27)).status == 400);
}

TEST_CASE("bad WebSocket handshakes get a clear error") {
    auto check_of = [](const std::string& text) { return check_websocket_upgrade(parse_ok(text)); };
    auto no_key = check_of(upgrade("", ""));
    REQUIRE(no_key);
    CHECK(no_key->status == 400);
    CHECK(no_key->message.find("Sec-WebSocket-Key") != std::string::npos);
    for (std::string bad : {"short", "dGhlIHNhbXBsZSBub25jZQ=", "dGhlIHNhbXBsZSBub25jZR==",
                            "dGhlIHNhbXBsZSBub25j!Q=="}) {
        auto e = check_of(upgrade("", "Sec-WebSocket-Key: " + bad + "\r\n"));
        REQUIRE(e);
        CHECK(e->status == 400);
    }
    auto v8 = check_of(
        upgrade("", "Sec-WebSocket-Key: " + kKey + "\r\n", "Sec-WebSocket-Version: 8\r\n"));
    REQUIRE(v8);
    CHECK(v8->status == 426);
    CHECK(v8->message.find("13") != std::string::npos);
    auto no_version = check_of(upgrade("", "Sec-WebSocket-Key: " + kKey + "\r\n", ""));
    REQUIRE(no_version);
    CHECK(no_version->status == 426);
    std::string post = upgrade();
    post.replace(0, 3, "PUT");
    auto wrong_method = check_of(post);
    REQUIRE(wrong_method);
    CHECK(wrong_method->status == 400);
    std::string http10 = upgrade();
    http10.replace(http10.find("HTTP/1.1"), 8, "HTTP/1.0");
    auto old = check_of(http10);
    REQUIRE(old);
    CHECK(old->status == 400);
}

TEST_CASE("an upgrade needs both Upgrade: websocket and Connection: upgrade") {
    CHECK_FALSE(is_websocket_upgrade(parse_ok("GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n")));
    CHECK_FALSE(is_websocket_upgrade(parse_ok("GET / HTTP/1.1\r\nConnection: upgrade\r\n\r\n")));
    CHECK(is_websocket_upgrade(
        parse_ok("GET / HTTP/1.1\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n\r\n")));
    CHECK(header_has_token(" keep-alive ,  UPGRADE ", "upgrade"));
    CHECK_FALSE(header_has_token("upgraded", "upgrade"));
}

TEST_CASE("devtools paths name a browser or a page target") {
    auto b = parse_devtools_path("/devtools/browser/1a2b-3c");
    REQUIRE(b);
    CHECK(b->kind == DevtoolsPath::Kind::browser);
    CHECK(b->id == "1a2b-3c");
    auto bare = parse_devtools_path("/devtools/browser");
    REQUIRE(bare);
    CHECK(bare->id.empty());
    auto p = parse_devtools_path("/devtools/page/ABCDEF0123456789ABCDEF0123456789");
    REQUIRE(p);
    CHECK(p->kind == DevtoolsPath::Kind::page);
    CHECK(p->id == "ABCDEF0123456789ABCDEF0123456789");
    CHECK_FALSE(parse_devtools_path("/devtools/page/"));
    CHECK_FALSE(parse_devtools_path("/devtools/page/a/b"));
    CHECK_FALSE(parse_devtools_path("/devtools/browserX"));
    CHECK_FALSE(parse_devtools_path("/devtools/worker/1"));
    CHECK_FALSE(parse_devtools_path("/json/version"));
}

TEST_CASE("token query parameters are found and stripped") {
    CHECK(strip_token_param("token=a&x=1&token&y=2") == "x=1&y=2");
    CHECK(strip_token_param("token=a") == "");
    CHECK(strip_token_param("tokens=a") == "tokens=a");
    CHECK(token_param("x=1&token=abc&token=d") == std::optional<std::string>("abc"));
    CHECK_FALSE(token_param("x=1&tokenx=2").has_value());
}

TEST_CASE("the upgrade forwarded to Chromium has its Host, no Origin, no proxy token") {
    HttpRequest req = parse_ok(
        upgrade("Authorization: Bearer t\r\nUser-Agent: ua\r\n"
                "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"));
    std::string out =
        build_upstream_handshake(req, "/devtools/browser/real", "127.0.0.1:9223", true);
    CHECK(out.starts_with("GET /devtools/browser/real HTTP/1.1\r\nHost: 127.0.0.1:9223\r\n"));
    CHECK(out.ends_with("\r\n\r\n"));
    CHECK(out.find("Origin") == std::string::npos);
    CHECK(out.find("Authorization") == std::string::npos);
    CHECK(out.find("proxy.example") == std::string::npos);
    CHECK(out.find("Sec-WebSocket-Key: " + kKey + "\r\n") != std::string::npos);
    CHECK(out.find("User-Agent: ua\r\n") != std::string::npos);
    CHECK(out.find("permessage-deflate") == std::string::npos);  // plain frames from Chromium
    std::string keep = build_upstream_handshake(req, "/x", "h:1", false);
    CHECK(keep.find("Authorization: Bearer t\r\n") != std::string::npos);
}

TEST_CASE("response heads from Chromium parse; malformed ones are 502") {
    HttpResponseHead head;
    HttpError err;
    std::string ok =
        "HTTP/1.1 101 WebSocket Protocol Handshake\r\nUpgrade: WebSocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
    REQUIRE(parse_response_head(ok, head, err) == ParseStatus::complete);
    CHECK(head.status == 101);
    CHECK(head.reason == "WebSocket Protocol Handshake");
    CHECK(head.head_size == ok.size());
    REQUIRE(parse_response_head("HTTP/1.1 200 OK\r\nContent-Length:443\r\n\r\n", head, err) ==
            ParseStatus::complete);
    CHECK(*head.header("content-length") == "443");
    REQUIRE(parse_response_head("HTTP/1.1 2x0 OK\r\n\r\n", head, err) == ParseStatus::invalid);
    CHECK(err.status == 502);
    CHECK(reason_phrase(431) == "Request Header Fields Too Large");
}
