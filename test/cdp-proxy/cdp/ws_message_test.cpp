// WsMessageReader / encode_client_frame: round trips, split delivery, fragmentation, control
// frames, limits and protocol errors.
#include "cdp/ws_message.hpp"

#include <string>

#include "catch.hpp"

using faultline::cdp::encode_client_frame;
using faultline::cdp::WsMessageReader;
using R = WsMessageReader::Result;

namespace {
// A server frame (unmasked), as Chromium sends them.
std::string server_frame(std::string_view payload, unsigned opcode = 1, bool fin = true) {
    std::string f;
    f.push_back(static_cast<char>((fin ? 0x80 : 0) | opcode));
    const size_t n = payload.size();
    if (n < 126) {
        f.push_back(static_cast<char>(n));
    } else if (n <= 0xffff) {
        f.push_back(126);
        f.push_back(static_cast<char>(n >> 8));
        f.push_back(static_cast<char>(n & 0xff));
    } else {
        f.push_back(127);
        for (int i = 7; i >= 0; --i)
            f.push_back(static_cast<char>((uint64_t(n) >> (8 * i)) & 0xff));
    }
    return f + std::string(payload);
}
}  // namespace

TEST_CASE("a masked client frame decodes back to its payload, at every length class") {
    for (size_t n : {0, 5, 125, 126, 65535, 65536, 300000}) {
        const std::string payload(n, 'q');
        const std::string f = encode_client_frame(payload);
        CHECK((static_cast<unsigned char>(f[1]) & 0x80) != 0);  // masked
        WsMessageReader r;
        r.feed(f.data(), f.size());
        std::string out;
        REQUIRE(r.next(out) == R::message);
        CHECK(out == payload);
        CHECK(r.next(out) == R::need_more);
    }
}

TEST_CASE("messages split at every byte and batched together come out whole and in order") {
    const std::string a = server_frame(R"({"id":1})"), b = server_frame(std::string(70000, 'b'));
    const std::string all = a + b;
    WsMessageReader r;
    std::vector<std::string> got;
    for (char c : all) {
        r.feed(&c, 1);
        std::string out;
        while (r.next(out) == R::message) got.push_back(out);
    }
    REQUIRE(got.size() == 2);
    CHECK(got[0] == R"({"id":1})");
    CHECK(got[1].size() == 70000);
}

TEST_CASE("fragmented messages are reassembled; pings are answered; close ends") {
    WsMessageReader r;
    const std::string s = server_frame("hel", 1, false) + server_frame("p", 9) +
                          server_frame("lo", 0, true) + server_frame("", 8);
    r.feed(s.data(), s.size());
    std::string out;
    REQUIRE(r.next(out) == R::message);
    CHECK(out == "hello");
    CHECK(r.has_pong());
    CHECK(r.pong_due() == "p");
    CHECK(r.next(out) == R::closed);
}

TEST_CASE("protocol errors and oversized messages are errors, never crashes") {
    auto run = [](const std::string& bytes, size_t limit = 1 << 20) {
        WsMessageReader r(limit);
        r.feed(bytes.data(), bytes.size());
        std::string out;
        return r.next(out);
    };
    CHECK(run(server_frame("x", 0)) == R::error);  // stray continuation
    CHECK(run(server_frame("x", 1, false) + server_frame("y", 1)) == R::error);  // nested start
    CHECK(run(server_frame("x", 3)) == R::error);                                // unknown opcode
    CHECK(run(std::string("\xC1\x00", 2)) == R::error);                          // RSV1 set
    CHECK(run(server_frame(std::string(200, 'p'), 9)) == R::error);              // long ping
    CHECK(run(server_frame(std::string(2000, 'x')), 1000) == R::error);          // over the limit
}
