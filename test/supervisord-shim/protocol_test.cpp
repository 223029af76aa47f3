// The envelope parser: header tokens, exact payload lengths, every way reads can split, and
// malformed input.
#include "catch.hpp"
#include "listener_protocol.hpp"

using namespace faultline::shim;

namespace {
const std::string kPayload = "processname:cat groupname:cat from_state:RUNNING expected:0 pid:2766";

std::string envelope(std::string_view eventname, std::string_view payload, size_t len) {
    return "ver:3.0 server:supervisor serial:21 pool:listener poolserial:10 eventname:" +
           std::string(eventname) + " len:" + std::to_string(len) + "\n" + std::string(payload);
}
std::string envelope(std::string_view eventname, std::string_view payload) {
    return envelope(eventname, payload, payload.size());
}

// Feeds `chunks` in order; returns every message completed, and how many bytes were consumed.
std::vector<Message> feed_all(ProtocolReader& r, const std::vector<std::string>& chunks) {
    std::vector<Message> out;
    for (const auto& c : chunks) {
        std::string_view rest = c;
        while (!rest.empty()) {
            size_t n = r.feed(rest);
            rest.remove_prefix(n);
            if (r.has_message()) out.push_back(r.take());
            REQUIRE((n > 0 || out.size() > 0));
        }
    }
    return out;
}
}  // namespace

TEST_CASE("constants are the exact protocol bytes") {
    CHECK(kReady == std::string_view("READY\n", 6));
    CHECK(kResultOk == std::string_view("RESULT 2\nOK", 11));  // no newline after OK
}

TEST_CASE("envelope header: all tokens, any order") {
    Envelope e;
    std::string err;
    REQUIRE(
        parse_envelope("len:84 eventname:PROCESS_STATE_EXITED poolserial:10 pool:listener "
                       "serial:21 server:supervisor ver:3.0",
                       e, err));
    CHECK(e.ver == "3.0");
    CHECK(e.server == "supervisor");
    CHECK(e.serial == 21);
    CHECK(e.pool == "listener");
    CHECK(e.poolserial == 10);
    CHECK(e.eventname == "PROCESS_STATE_EXITED");
    CHECK(e.len == 84);
}

TEST_CASE("envelope header: unknown tokens are ignored, optional ones may be missing") {
    Envelope e;
    std::string err;
    REQUIRE(parse_envelope("eventname:TICK_5 len:15 future:thing", e, err));
    CHECK(e.eventname == "TICK_5");
    CHECK(e.len == 15);
    CHECK(e.serial == 0);
    CHECK(e.server.empty());
}

TEST_CASE("envelope header: malformed lines are refused with a reason") {
    const std::vector<std::pair<std::string, std::string>> bad = {
        {"", "no eventname"},
        {"ver:3.0 len:5", "no eventname"},
        {"ver:3.0 eventname:X", "no len"},
        {"eventname:X len:", "is not a length"},
        {"eventname:X len:-1", "is not a length"},
        {"eventname:X len:12a", "is not a length"},
        {"eventname:X len:99999999999999999999999", "is not a length"},
        {"eventname:X len:1073741825", "is not a length"},
        {"eventname:X len:1 serial:x", "serial 'x' is not a number"},
        {"eventname:X len:1 poolserial:", "is not a number"},
        {"eventname: len:1", "no eventname"},
        {"eventname:X len:1 garbage", "'garbage' is not key:value"},
        {"eventname:X len:1 :v", "is not key:value"},
        {"eventname:X len:1 len:2", "'len' appears twice"},
    };
    for (const auto& [line, why] : bad) {
        INFO(line);
        Envelope e;
        std::string err;
        CHECK_FALSE(parse_envelope(line, e, err));
        CHECK(err.find(why) != std::string::npos);
    }
}

TEST_CASE("tokens split at the first colon and on runs of spaces") {
    Tokens t;
    std::string err;
    REQUIRE(split_tokens("  a:1   b:x:y\tc: ", t, err));
    REQUIRE(t.size() == 3);
    CHECK(token(t, "a") == "1");
    CHECK(token(t, "b") == "x:y");
    CHECK(token(t, "c") == "");
    CHECK_FALSE(token(t, "d"));
}

TEST_CASE("one message in one read") {
    ProtocolReader r;
    std::string in = envelope("PROCESS_STATE_EXITED", kPayload);
    CHECK(r.feed(in) == in.size());
    REQUIRE(r.has_message());
    Message m = r.take();
    CHECK_FALSE(m.malformed);
    CHECK(m.envelope.eventname == "PROCESS_STATE_EXITED");
    CHECK(m.payload == kPayload);
    CHECK_FALSE(m.truncated);
    CHECK_FALSE(r.has_message());
    CHECK_FALSE(r.mid_message());
}

TEST_CASE("byte-by-byte reads give the same message, complete only at the last byte") {
    ProtocolReader r;
    std::string in = envelope("PROCESS_STATE_EXITED", kPayload);
    for (size_t i = 0; i < in.size(); ++i) {
        REQUIRE(r.feed(std::string_view(&in[i], 1)) == 1);
        REQUIRE(r.has_message() == (i + 1 == in.size()));
        if (i + 1 < in.size()) REQUIRE(r.mid_message());
    }
    Message m = r.take();
    CHECK(m.payload == kPayload);
    CHECK(m.envelope.len == kPayload.size());
}

TEST_CASE("every split point of two reads gives the same message") {
    std::string in =
        envelope("PROCESS_STATE_FATAL", "processname:a groupname:b from_state:BACKOFF");
    for (size_t cut = 0; cut <= in.size(); ++cut) {
        INFO("cut at " << cut);
        ProtocolReader r;
        auto msgs = feed_all(r, {in.substr(0, cut), in.substr(cut)});
        REQUIRE(msgs.size() == 1);
        CHECK(msgs[0].envelope.eventname == "PROCESS_STATE_FATAL");
        CHECK(msgs[0].payload == "processname:a groupname:b from_state:BACKOFF");
    }
}

TEST_CASE("feed stops at the end of a message and leaves the next one") {
    std::string a = envelope("PROCESS_STATE_EXITED", kPayload);
    std::string b = envelope("TICK_5", "when:1201063880");
    std::string both = a + b;
    ProtocolReader r;
    CHECK(r.feed(both) == a.size());
    REQUIRE(r.has_message());
    CHECK(r.feed(both) == 0);  // nothing more until the message is taken
    CHECK(r.take().payload == kPayload);
    CHECK(r.feed(std::string_view(both).substr(a.size())) == b.size());
    REQUIRE(r.has_message());
    CHECK(r.take().payload == "when:1201063880");
}

TEST_CASE("len:0 completes at the header") {
    ProtocolReader r;
    std::string in = envelope("SUPERVISOR_STATE_CHANGE_RUNNING", "");
    CHECK(r.feed(in) == in.size());
    REQUIRE(r.has_message());
    CHECK(r.take().payload.empty());
}

TEST_CASE("payloads with newlines are read by length, not by line") {
    std::string payload = "processname:p groupname:g pid:5\nline one\nline two\n";
    std::string in = envelope("PROCESS_COMMUNICATION_STDOUT", payload) + "ver:3.0";
    ProtocolReader r;
    CHECK(r.feed(in) == in.size() - 7);
    CHECK(r.take().payload == payload);
}

TEST_CASE("len counts characters: a UTF-8 payload ends after len characters") {
    // supervisor 4 writes len(str) and then the UTF-8 bytes: "é" is 1 character, 2 bytes.
    std::string payload =
        "processname:caf\xc3\xa9 groupname:\xe2\x82\xac from_state:BACKOFF x:\xf0\x9f\x92\xa5";
    const size_t chars = payload.size() - 1 - 2 - 3;
    std::string in = envelope("PROCESS_STATE_FATAL", payload, chars) + "next";
    ProtocolReader r;
    CHECK(r.feed(in) == in.size() - 4);
    REQUIRE(r.has_message());
    CHECK(r.take().payload == payload);

    // Byte by byte, it completes exactly at the last continuation byte.
    ProtocolReader r2;
    std::string exact = envelope("PROCESS_STATE_FATAL", payload, chars);
    for (size_t i = 0; i < exact.size(); ++i) {
        REQUIRE(r2.feed(std::string_view(&exact[i], 1)) == 1);
        REQUIRE(r2.has_message() == (i + 1 == exact.size()));
    }
}

TEST_CASE("invalid UTF-8 bytes count one character each and never stall") {
    std::string payload = "\x80\xff\xc3x";  // stray continuation, invalid byte, cut-off lead, x
    std::string in = envelope("X", payload, 4);
    ProtocolReader r;
    CHECK(r.feed(in) == in.size());
    REQUIRE(r.has_message());
    CHECK(r.take().payload == payload);

    // A cut-off sequence as the last character completes when the next character starts.
    std::string cut = envelope("X", "ab\xe2\x82", 3) + "Z";
    ProtocolReader r2;
    CHECK(r2.feed(cut) == cut.size() - 1);
    REQUIRE(r2.has_message());
    CHECK(r2.take().payload == "ab\xe2\x82");
}

TEST_CASE("payloads beyond the stored limit are consumed but truncated") {
    std::string payload(kMaxStoredPayload + 1000, 'a');
    std::string in = envelope("PROCESS_LOG_STDOUT", payload);
    ProtocolReader r;
    CHECK(r.feed(in) == in.size());
    REQUIRE(r.has_message());
    Message m = r.take();
    CHECK(m.truncated);
    CHECK(m.payload.size() == kMaxStoredPayload);
}

TEST_CASE("a malformed header becomes a malformed message and the reader goes on") {
    ProtocolReader r;
    std::string in = "this is not a header\n" + envelope("PROCESS_STATE_EXITED", kPayload);
    auto msgs = feed_all(r, {in});
    REQUIRE(msgs.size() == 2);
    CHECK(msgs[0].malformed);
    CHECK(msgs[0].header_line == "this is not a header");
    CHECK(msgs[0].error.find("not key:value") != std::string::npos);
    CHECK_FALSE(msgs[1].malformed);
    CHECK(msgs[1].payload == kPayload);
}

TEST_CASE("an overlong header line is reported once and the rest of the line skipped") {
    ProtocolReader r;
    std::string longline(kMaxHeaderLine * 3, 'x');
    std::string in = longline + "\n" + envelope("TICK_5", "when:1");
    auto msgs = feed_all(r, {in.substr(0, 1000), in.substr(1000, 5000), in.substr(6000)});
    REQUIRE(msgs.size() == 2);
    CHECK(msgs[0].malformed);
    CHECK(msgs[0].error.find("longer than") != std::string::npos);
    CHECK(msgs[0].header_line.size() <= 200);
    CHECK(msgs[1].payload == "when:1");
}

TEST_CASE("reset forgets a partial message") {
    ProtocolReader r;
    std::string in = envelope("PROCESS_STATE_EXITED", kPayload);
    r.feed(std::string_view(in).substr(0, in.size() - 3));
    CHECK(r.mid_message());
    r.reset();
    CHECK_FALSE(r.mid_message());
    CHECK(r.feed(in) == in.size());
    CHECK(r.take().payload == kPayload);
}

TEST_CASE("parse_u64 takes plain decimal only") {
    CHECK(parse_u64("0") == 0u);
    CHECK(parse_u64("18446744073709551615") == UINT64_MAX);
    CHECK_FALSE(parse_u64("18446744073709551616"));
    CHECK_FALSE(parse_u64("+1"));
    CHECK_FALSE(parse_u64(" 1"));
    CHECK_FALSE(parse_u64("1 "));
    CHECK_FALSE(parse_u64(""));
}
