// The frame scanner counts messages and bytes per direction and finds Close codes, whatever way
// the bytes are split, without ever buffering a payload.
#include <string>
#include <vector>

#include "catch.hpp"
#include "cdp/ws_frame.hpp"
#include "ws_frame_builder.hpp"

using namespace faultline::cdp;

namespace {

// One frame: fin, opcode, payload, masked with a fixed key when mask is set.
std::string frame(bool fin, unsigned opcode, const std::string& payload, bool mask) {
    return faultline::test::ws_frame(static_cast<unsigned char>((fin ? 0x80 : 0) | opcode), payload,
                                     mask);
}

std::string close_payload(uint16_t code) {
    return std::string{static_cast<char>(code >> 8), static_cast<char>(code & 0xff)} + "bye";
}

FrameStats scan(const std::string& bytes, size_t chunk) {
    FrameScanner s;
    for (size_t at = 0; at < bytes.size(); at += chunk) {
        size_t n = std::min(chunk, bytes.size() - at);
        s.feed(reinterpret_cast<const unsigned char*>(bytes.data()) + at, n);
    }
    return s.stats();
}

}  // namespace

TEST_CASE("messages, frames and bytes are counted for any split of the stream") {
    for (bool mask : {false, true}) {
        std::string stream =
            frame(true, 1, "{\"id\":1}", mask) + frame(true, 1, std::string(300, 'a'), mask) +
            frame(true, 1, std::string(70000, 'b'), mask) + frame(false, 1, "part1", mask) +
            frame(true, 9, "ping", mask) + frame(false, 0, "part2", mask) +
            frame(true, 0, "part3", mask) + frame(true, 2, "binary", mask);
        for (size_t chunk :
             {size_t{1}, size_t{2}, size_t{3}, size_t{7}, size_t{4096}, stream.size()}) {
            FrameStats st = scan(stream, chunk);
            CHECK(st.bytes == stream.size());
            CHECK(st.frames == 8);
            CHECK(st.messages == 5);  // 3 texts, 1 fragmented text, 1 binary; ping is control
            CHECK_FALSE(st.close_seen);
            CHECK_FALSE(st.close_code);
        }
    }
}

TEST_CASE("a Close frame's status code is read, masked or not, even split byte by byte") {
    for (bool mask : {false, true}) {
        std::string stream = frame(true, 1, "x", mask) + frame(true, 8, close_payload(1001), mask);
        for (size_t chunk : {size_t{1}, size_t{5}, stream.size()}) {
            FrameStats st = scan(stream, chunk);
            CHECK(st.close_seen);
            REQUIRE(st.close_code);
            CHECK(*st.close_code == 1001);
            CHECK(st.messages == 1);
        }
    }
}

TEST_CASE("a Close without a code is seen; the first code is kept") {
    FrameStats none = scan(frame(true, 8, "", true), 1);
    CHECK(none.close_seen);
    CHECK_FALSE(none.close_code);
    FrameStats two = scan(
        frame(true, 8, close_payload(1000), false) + frame(true, 8, close_payload(1011), false), 3);
    REQUIRE(two.close_code);
    CHECK(*two.close_code == 1000);
}

TEST_CASE("a 64-bit length is skipped without buffering; frame boundaries are tracked") {
    FrameScanner s;
    CHECK(s.at_frame_boundary());
    // A header announcing 256 MiB: the scanner only counts what passes through.
    std::string head = frame(true, 1, "", false);
    head[1] = 127;
    const uint64_t n = 256ull << 20;
    for (int i = 7; i >= 0; --i) head.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
    s.feed(reinterpret_cast<const unsigned char*>(head.data()), 1);
    CHECK_FALSE(s.at_frame_boundary());
    s.feed(reinterpret_cast<const unsigned char*>(head.data()) + 1, head.size() - 1);
    CHECK(s.stats().messages == 1);
    std::vector<unsigned char> chunk(1 << 20, 'z');
    for (int i = 0; i < 255; ++i) s.feed(chunk.data(), chunk.size());
    CHECK_FALSE(s.at_frame_boundary());
    s.feed(chunk.data(), chunk.size());
    CHECK(s.at_frame_boundary());
    CHECK(s.stats().bytes == head.size() + n);
}

TEST_CASE("a Close frame carries the code and the reason, cut to 123 bytes on a UTF-8 boundary") {
    std::string f = encode_close_frame(1012, "upstream_changed: Chromium restarted");
    REQUIRE(f.size() == 4 + 36);
    CHECK(static_cast<unsigned char>(f[0]) == 0x88);
    CHECK(static_cast<unsigned char>(f[1]) == 38);
    CHECK(static_cast<unsigned char>(f[2]) == 0x03);
    CHECK(static_cast<unsigned char>(f[3]) == 0xf4);
    CHECK(f.substr(4) == "upstream_changed: Chromium restarted");
    FrameStats st = scan(f, 1);
    CHECK(st.close_seen);
    REQUIRE(st.close_code);
    CHECK(*st.close_code == 1012);

    CHECK(cut_close_reason(std::string(123, 'a')).size() == 123);
    CHECK(cut_close_reason(std::string(200, 'a')).size() == 123);
    // "é" is 2 bytes: 122 ASCII bytes then é would end at byte 124; the cut keeps 122.
    const std::string two = std::string(122, 'a') + "\xc3\xa9" + "tail";
    CHECK(cut_close_reason(two) == std::string(122, 'a'));
    // A 4-byte character straddling the limit is dropped whole, whichever byte the cut hits.
    for (size_t lead = 119; lead <= 123; ++lead) {
        const std::string s = std::string(lead, 'a') + "\xf0\x9f\x98\x80" + "zz";
        const std::string_view cut = cut_close_reason(s);
        CHECK(cut.size() <= 123);
        CHECK((cut.size() == lead || cut.size() == lead + 4));
    }
    std::string big = encode_close_frame(1011, std::string(300, 'x'));
    CHECK(big.size() == 4 + 123);
    CHECK(static_cast<unsigned char>(big[1]) == 125);  // the control-frame maximum
}

TEST_CASE("message edges: head and tail of each text message, unmasked, for any split") {
    for (bool mask : {false, true}) {
        const std::string small = R"({"id":7,"method":"Runtime.evaluate","params":{}})";
        const std::string large = R"({"id":8,"method":"Page.navigate","params":{"x":")" +
                                  std::string(100000, 'q') + R"("},"sessionId":"ABC"})";
        const std::string stream = frame(true, 1, small, mask) + frame(true, 9, "ping", mask) +
                                   frame(true, 1, large, mask) + frame(true, 2, "bin", mask) +
                                   frame(true, 1, "", mask);
        for (size_t chunk : {size_t{1}, size_t{3}, size_t{4096}, stream.size()}) {
            FrameScanner s;
            std::vector<std::string> heads, tails;
            std::vector<uint64_t> sizes;
            s.on_text_message(
                [&](const MessageEdges& m) {
                    heads.emplace_back(m.head);
                    tails.emplace_back(m.tail);
                    sizes.push_back(m.size);
                },
                64, 24);
            for (size_t at = 0; at < stream.size(); at += chunk)
                s.feed(reinterpret_cast<const unsigned char*>(stream.data()) + at,
                       std::min(chunk, stream.size() - at));
            REQUIRE(heads.size() == 3);  // the ping and the binary message are not text messages
            CHECK(heads[0] == small.substr(0, 64));
            CHECK(tails[0].empty());
            CHECK(sizes[0] == small.size());
            CHECK(heads[1] == large.substr(0, 64));
            CHECK(tails[1] == large.substr(large.size() - 24));
            CHECK(sizes[1] == large.size());
            CHECK(heads[2].empty());
            CHECK(sizes[2] == 0);
        }
    }
}
