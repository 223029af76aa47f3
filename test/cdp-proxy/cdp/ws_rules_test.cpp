// A client's frame headers against RFC 6455 (each rule broken once), and the scanner in checking
// mode: it holds back an unchecked header and everything from a rule-breaking frame on, however
// the bytes are split.
#include <string>
#include <vector>

#include "catch.hpp"
#include "cdp/ws_frame.hpp"
#include "cdp/ws_rules.hpp"
#include "ws_frame_builder.hpp"

using namespace faultline::cdp;

namespace {

// A masked (or not) frame header with raw first byte b0 and payload length n, then the payload.
std::string frame(unsigned char b0, uint64_t n, bool mask = true) {
    std::string f = faultline::test::ws_frame_header(b0, n, mask);
    if (n < (1u << 20)) f.append(static_cast<size_t>(n), 'x');
    return f;
}

std::string check(ClientFrameRules& r, const std::string& f) {
    return std::string(r.check(reinterpret_cast<const unsigned char*>(f.data())));
}

std::string check_one(const std::string& f) {
    ClientFrameRules r;
    return check(r, f);
}

}  // namespace

TEST_CASE("well-formed client frames break no rule") {
    ClientFrameRules r;
    CHECK(check(r, frame(0x81, 10)).empty());     // text
    CHECK(check(r, frame(0x82, 70000)).empty());  // binary, 64-bit length
    CHECK(check(r, frame(0x01, 5)).empty());      // a fragmented text message begins
    CHECK(check(r, frame(0x89, 4)).empty());      // a ping in between
    CHECK(check(r, frame(0x00, 5)).empty());      // continuation
    CHECK(check(r, frame(0x80, 5)).empty());      // last continuation
    CHECK(check(r, frame(0x81, 1)).empty());      // a new message after it
    CHECK(check(r, frame(0x88, 0)).empty());      // close without a body
    CHECK(check(r, frame(0x88, 125)).empty());    // close at the control limit
    CHECK(check(r, frame(0x8a, 0)).empty());      // pong
}

TEST_CASE("each broken rule is named") {
    CHECK(check_one(frame(0x81, 3, false)) == "unmasked frame (a client must mask every frame)");
    CHECK(check_one(frame(0xc1, 3)) == "RSV bits set, but no extension was negotiated");  // RSV1
    CHECK(check_one(frame(0xa1, 3)).starts_with("RSV bits set"));                         // RSV2
    CHECK(check_one(frame(0x91, 3)).starts_with("RSV bits set"));                         // RSV3
    for (unsigned op : {3u, 4u, 5u, 6u, 7u, 11u, 12u, 13u, 14u, 15u})
        CHECK(check_one(frame(static_cast<unsigned char>(0x80 | op), 0)) ==
              "reserved opcode " + std::to_string(op));
    CHECK(check_one(frame(0x09, 0)) == "fragmented control frame");
    CHECK(check_one(frame(0x08, 2)) == "fragmented control frame");
    CHECK(check_one(frame(0x89, 126)) == "control frame payload over 125 bytes");
    CHECK(check_one(frame(0x88, 70000)) == "control frame payload over 125 bytes");
    CHECK(check_one(frame(0x88, 1)) == "close frame with a 1-byte payload");
    CHECK(check_one(frame(0x80, 3)) == "continuation frame with no message begun");
    CHECK(check_one(frame(0x00, 3)) == "continuation frame with no message begun");
    std::string huge = frame(0x82, 70000).substr(0, 14);
    huge[2] = static_cast<char>(0x80);  // a 64-bit length with the top bit set
    CHECK(check_one(huge) == "payload length with its top bit set");

    ClientFrameRules open;
    CHECK(check(open, frame(0x01, 2)).empty());
    CHECK(check(open, frame(0x81, 2)) == "new data frame inside a fragmented message");
    ClientFrameRules open_binary;
    CHECK(check(open_binary, frame(0x02, 2)).empty());
    CHECK(check(open_binary, frame(0x02, 2)) == "new data frame inside a fragmented message");
}

TEST_CASE("the checking scanner holds back an unchecked header and a rule-breaking frame") {
    const std::string good = frame(0x81, 300), bad = frame(0x81, 3, false);
    const std::string stream = good + good + bad + good;
    for (size_t chunk : {1u, 2u, 3u, 7u, 64u, 1000u}) {
        FrameScanner s;
        s.check_client_frames();
        uint64_t forwardable = 0;  // what the relay may send on: fed minus held back
        for (size_t at = 0; at < stream.size(); at += chunk) {
            s.feed(reinterpret_cast<const unsigned char*>(stream.data()) + at,
                   std::min(chunk, stream.size() - at));
            const uint64_t now = s.stats().bytes - s.held_back();
            CHECK(now >= forwardable);  // never takes back what it let go
            forwardable = now;
        }
        CHECK(s.protocol_error() == "unmasked frame (a client must mask every frame)");
        CHECK(forwardable == 2 * good.size());  // nothing of the bad frame, nothing after it
        CHECK(s.stats().bytes == stream.size());
        CHECK(s.stats().messages == 2);
    }
}

TEST_CASE("an incomplete header is held back until it is checked") {
    const std::string f = frame(0x82, 70000);  // 14-byte header
    FrameScanner s;
    s.check_client_frames();
    s.feed(reinterpret_cast<const unsigned char*>(f.data()), 9);
    CHECK(s.held_back() == 9);
    CHECK(s.protocol_error().empty());
    s.feed(reinterpret_cast<const unsigned char*>(f.data()) + 9, 10);
    CHECK(s.held_back() == 0);
    FrameScanner plain;  // not checking: nothing is ever held back
    plain.feed(reinterpret_cast<const unsigned char*>(f.data()), 9);
    CHECK(plain.held_back() == 0);
}
