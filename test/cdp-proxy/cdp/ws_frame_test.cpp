// The frame scanner counts messages and bytes per direction and finds Close codes, whatever way
// the bytes are split, without ever buffering a payload.
#include <string>
#include <vector>

#include "catch.hpp"
#include "cdp/ws_frame.hpp"

using namespace faultline::cdp;

namespace {

// One frame: fin, opcode, payload, masked with a fixed key when mask is set.
std::string frame(bool fin, unsigned opcode, const std::string& payload, bool mask) {
    std::string f;
    f.push_back(static_cast<char>((fin ? 0x80 : 0) | opcode));
    const unsigned char m = mask ? 0x80 : 0;
    const uint64_t n = payload.size();
    if (n < 126) {
        f.push_back(static_cast<char>(m | n));
    } else if (n < 65536) {
        f.push_back(static_cast<char>(m | 126));
        f.push_back(static_cast<char>(n >> 8));
        f.push_back(static_cast<char>(n & 0xff));
    } else {
        f.push_back(static_cast<char>(m | 127));
        for (int i = 7; i >= 0; --i) f.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
    }
    const unsigned char key[4] = {0x12, 0x34, 0x56, 0x78};
    if (mask) f.append(reinterpret_cast<const char*>(key), 4);
    for (size_t i = 0; i < n; ++i)
        f.push_back(static_cast<char>(mask ? payload[i] ^ key[i % 4] : payload[i]));
    return f;
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
