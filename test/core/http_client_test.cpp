// The producers' HTTP client: URL splitting, the response parser on every framing and on split
// and malformed input, and HttpClient against a real cpp-httplib server (keep-alive reuse, a
// server that drops idle connections, refused connections, a server that never answers).
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "catch.hpp"
#include "faultline/http_client.hpp"

using namespace faultline;
using namespace std::chrono_literals;
using State = HttpResponseParser::State;

namespace {

// Feeds text one byte at a time (the worst split) and returns the final state.
State feed_bytewise(HttpResponseParser& p, std::string_view text) {
    State s = State::need_more;
    for (char c : text) s = p.feed({&c, 1});
    return s;
}

struct Server {
    httplib::Server srv;
    std::thread thread;
    int port = 0;
    std::atomic<int> requests{0};
    std::atomic<int> delay_ms{0};
    std::mutex mu;
    std::set<int> client_ports;  // one per connection the requests came in on

    explicit Server(int want_port = 0) {
        srv.Post("/echo", [this](const httplib::Request& req, httplib::Response& res) {
            ++requests;
            {
                std::lock_guard lock(mu);
                client_ports.insert(req.remote_port);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms.load()));
            res.status = req.get_header_value("Authorization") == "Bearer s3cret" ? 201 : 200;
            res.set_content(req.get_header_value("Content-Type") + "|" + req.body, "text/plain");
        });
        srv.set_keep_alive_timeout(1);  // stop() waits this long for idle connections
        port = want_port ? (srv.bind_to_port("127.0.0.1", want_port) ? want_port : -1)
                         : srv.bind_to_any_port("127.0.0.1");
        REQUIRE(port > 0);
        thread = std::thread([this] { srv.listen_after_bind(); });
        while (!srv.is_running()) std::this_thread::sleep_for(5ms);
    }
    ~Server() {
        srv.stop();
        thread.join();
    }
    HttpUrl url() const {
        HttpUrl u;
        std::string error;
        REQUIRE(parse_http_url("http://127.0.0.1:" + std::to_string(port) + "/echo", u, error));
        return u;
    }
};

// A port nothing listens on: bound, never listened to, so connects are refused.
struct DeadPort {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int port = 0;
    DeadPort() {
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
        port = ntohs(a.sin_port);
    }
    ~DeadPort() { close(fd); }
};

}  // namespace

TEST_CASE("http URLs: host, port, path, IPv6; everything else refused with a reason") {
    HttpUrl u;
    std::string err;
    REQUIRE(parse_http_url("http://127.0.0.1:10001", u, err));
    CHECK((u.host == "127.0.0.1" && u.port == "10001" && u.path == "/"));
    CHECK(u.authority == "127.0.0.1:10001");
    REQUIRE(parse_http_url("http://hooks.local/api/1?x=1", u, err));
    CHECK((u.host == "hooks.local" && u.port == "80" && u.path == "/api/1?x=1"));
    REQUIRE(parse_http_url("http://h?x", u, err));
    CHECK(u.path == "/?x");
    REQUIRE(parse_http_url("http://[::1]:8080/p", u, err));
    CHECK((u.host == "::1" && u.port == "8080" && u.authority == "[::1]:8080"));
    for (auto bad : {"https://discord.example/x", "ftp://h/x", "http:///x", "http://user@h/x",
                     "http://h:0", "http://h:65536", "http://h:x", "http://h:", "http://[::1",
                     "http://[::1]x", "http://[]", "http://h/a b", "", "http://"}) {
        INFO(bad);
        err.clear();
        CHECK_FALSE(parse_http_url(bad, u, err));
        CHECK_FALSE(err.empty());
    }
    parse_http_url("https://x", u, err);
    CHECK(err.find("https:// is not supported") != std::string::npos);
}

TEST_CASE("response parser: Content-Length, chunked and close-delimited bodies, any split") {
    std::string sized = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhello";
    std::string chunked =
        "HTTP/1.1 202 Accepted\r\ntransfer-encoding: Chunked\r\n\r\n"
        "3;ext=1\r\nhel\r\n2\r\nlo\r\n0\r\nTrailer: x\r\n\r\n";
    for (const auto& text : {sized, chunked}) {
        HttpResponseParser whole, split;
        CHECK(whole.feed(text) == State::done);
        CHECK(feed_bytewise(split, text) == State::done);
        for (auto* p : {&whole, &split}) {
            CHECK(p->response().body == "hello");
            CHECK(p->response().keep_alive);
        }
    }
    HttpResponseParser closing;
    CHECK(closing.feed("HTTP/1.0 200 OK\r\n\r\nuntil the end") == State::need_more);
    CHECK(closing.finish() == State::done);
    CHECK(closing.response().body == "until the end");
    CHECK_FALSE(closing.response().keep_alive);

    HttpResponseParser no_body;
    CHECK(no_body.feed("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n") == State::done);
    CHECK((no_body.response().status == 204 && !no_body.response().keep_alive));
}

TEST_CASE("response parser: malformed or cut-off responses fail with a reason") {
    for (auto bad :
         {"HTTP/2 200 OK\r\n\r\n", "SSH-2.0-OpenSSH\r\n\r\n", "HTTP/1.1 2x0 OK\r\n\r\n",
          "HTTP/1.1 200OK\r\n\r\n", "HTTP/1.1 099 X\r\n\r\n", "HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
          "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
          "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n",
          "HTTP/1.1 100 Continue\r\n\r\n"}) {
        INFO(bad);
        HttpResponseParser p;
        CHECK(p.feed(bad) == State::error);
        CHECK_FALSE(p.error().empty());
    }
    HttpResponseParser cut;
    CHECK(cut.feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc") == State::need_more);
    CHECK(cut.finish() == State::error);
    HttpResponseParser nothing;
    CHECK(nothing.finish() == State::error);
    CHECK(nothing.error() == "connection closed without a response");
    HttpResponseParser huge;
    CHECK(huge.feed(std::string(HttpResponseParser::max_head + 4, 'x')) == State::error);
}

TEST_CASE("response parser: bodies past the cap are consumed but not kept") {
    const size_t n = HttpResponseParser::max_body + 1000;
    HttpResponseParser p;
    CHECK(p.feed("HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(n) + "\r\n\r\n" +
                 std::string(n, 'b')) == State::done);
    CHECK(p.response().body.size() == HttpResponseParser::max_body);
}

TEST_CASE("client: POSTs over one kept-alive connection, with headers and bearer token") {
    Server s;
    HttpClient c(s.url(), 2s, "s3cret");
    for (int i = 0; i < 3; ++i) {
        HttpResult r = c.post("/echo", "body " + std::to_string(i), "application/x-ndjson");
        CHECK(r.status == 201);
        CHECK(r.body == "application/x-ndjson|body " + std::to_string(i));
        CHECK(r.error.empty());
    }
    CHECK(s.client_ports.size() == 1);
    // Larger than the socket buffers: partial writes; the echoed reply is capped, not kept whole.
    const std::string big(3 << 20, 'z');
    HttpResult r = c.post("/echo", big, "text/plain");
    CHECK(r.status == 201);
    CHECK(r.body.size() == HttpResponseParser::max_body);
    CHECK(r.body.starts_with("text/plain|zzz"));
    HttpClient anon(s.url(), 2s);
    CHECK(anon.post("/echo", "", "text/plain").status == 200);
    CHECK(anon.post("/missing", "x", "text/plain").status == 404);
    CHECK(s.requests == 5);
}

TEST_CASE("client: a kept-alive connection the server dropped is replaced transparently") {
    auto s = std::make_unique<Server>();
    const int port = s->port;
    HttpClient c(s->url(), 2s);
    CHECK(c.post("/echo", "a", "text/plain").status == 200);
    s.reset();  // closes every connection; a new server on the same port takes over
    Server again(port);
    HttpResult r = c.post("/echo", "b", "text/plain");
    CHECK(r.status == 200);
    CHECK(r.body == "text/plain|b");
    CHECK(again.requests == 1);
}

TEST_CASE("client: refused and unanswered requests fail within the timeout, with a reason") {
    DeadPort dead;
    HttpUrl u;
    std::string err;
    REQUIRE(parse_http_url("http://127.0.0.1:" + std::to_string(dead.port), u, err));
    HttpResult refused = HttpClient(u, 1s).post("/", "x", "text/plain");
    CHECK(refused.status == 0);
    CHECK(refused.error == "Connection refused");

    Server slow;
    slow.delay_ms = 1500;
    auto t0 = std::chrono::steady_clock::now();
    HttpResult late = HttpClient(slow.url(), 300ms).post("/echo", "x", "text/plain");
    CHECK(late.status == 0);
    CHECK(late.error == "timed out");
    CHECK(std::chrono::steady_clock::now() - t0 < 1400ms);

    REQUIRE(parse_http_url("http://no-such-host.invalid:1/", u, err));
    HttpResult unresolved = HttpClient(u, 1s).post("/", "x", "text/plain");
    CHECK(unresolved.status == 0);
    CHECK(unresolved.error.find("cannot resolve no-such-host.invalid") == 0);
}
