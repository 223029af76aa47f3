// GET /: the embedded page (one origin, within its budget), who may open it, and its caching.
#include "hub/http/page_route.hpp"

#include <thread>

#include "catch.hpp"

using faultline::hub::page_allowed;
using faultline::hub::page_etag;
using faultline::hub::page_html;

namespace {
httplib::Request request(const char* addr, const char* auth = nullptr,
                         const char* token = nullptr) {
    httplib::Request r;
    r.remote_addr = addr;
    if (auth) r.set_header("Authorization", auth);
    if (token) r.params.emplace("token", token);
    return r;
}
}  // namespace

TEST_CASE("the page is one self-contained document within 100 KiB") {
    const auto html = page_html();
    CHECK(html.starts_with("<!DOCTYPE html>"));
    CHECK(html.size() <= 100 * 1024);
    // Inlined by embed_page.py: nothing left to fetch, and no other origin named anywhere.
    CHECK(html.find("src=\"app.js\"") == std::string_view::npos);
    CHECK(html.find("href=\"style.css\"") == std::string_view::npos);
    CHECK(html.find("http://") == std::string_view::npos);
    CHECK(html.find("https://") == std::string_view::npos);
    CHECK(html.find("//cdn") == std::string_view::npos);
    CHECK(page_etag().size() == 18);  // a quoted 16-hex-digit hash
}

TEST_CASE("page_allowed: loopback always; others with the bearer header or ?token=") {
    CHECK(page_allowed(request("127.0.0.1"), ""));
    CHECK(page_allowed(request("::1"), "tok"));
    CHECK_FALSE(page_allowed(request("10.1.2.3"), ""));
    CHECK_FALSE(page_allowed(request("10.1.2.3", nullptr, ""), ""));  // no token configured
    CHECK_FALSE(page_allowed(request("10.1.2.3"), "tok"));
    CHECK(page_allowed(request("10.1.2.3", "Bearer tok"), "tok"));
    CHECK(page_allowed(request("10.1.2.3", nullptr, "tok"), "tok"));
    CHECK_FALSE(page_allowed(request("10.1.2.3", nullptr, "tok2"), "tok"));
    CHECK_FALSE(page_allowed(request("10.1.2.3", nullptr, "to"), "tok"));
    CHECK_FALSE(page_allowed(request("10.1.2.3", "Bearer nope", "nope"), "tok"));
}

TEST_CASE("GET / over HTTP: text/html, ETag with no-cache, 304 when unchanged") {
    httplib::Server server;
    faultline::hub::register_page_route(server, "tok");
    const int port = server.bind_to_any_port("127.0.0.1");
    std::thread t([&] { server.listen_after_bind(); });
    while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    httplib::Client client("127.0.0.1", port);
    auto res = client.Get("/");
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->get_header_value("Content-Type") == "text/html; charset=utf-8");
    CHECK(res->get_header_value("Cache-Control") == "no-cache");
    CHECK(res->get_header_value("ETag") == page_etag());
    CHECK(res->body == page_html());
    auto again = client.Get("/", {{"If-None-Match", std::string(page_etag())}});
    REQUIRE(again);
    CHECK(again->status == 304);
    CHECK(again->body.empty());
    server.stop();
    t.join();
}
