// Reading a CDP message's head from its edges: commands (id, method, trailing sessionId) and
// replies (id, error, sessionId); params and results are never read.
#include "proxy/command_head.hpp"
#include "catch.hpp"

using namespace faultline::proxy;
using faultline::cdp::MessageEdges;

namespace {
// The edges the relay's scanner would keep of a whole message.
MessageEdges edges(const std::string& msg) {
    MessageEdges m;
    m.size = msg.size();
    m.head = std::string_view(msg).substr(0, kHeadBytes);
    if (msg.size() > kHeadBytes)
        m.tail = std::string_view(msg).substr(msg.size() -
                                              std::min(kTailBytes, msg.size() - kHeadBytes));
    return m;
}
}  // namespace

TEST_CASE("a command's id, method and flattened sessionId") {
    const std::string small =
        R"({"id":12,"method":"Runtime.evaluate","params":{"expression":"1"},"sessionId":"S1"})";
    auto c = parse_command_head(edges(small));
    REQUIRE(c);
    CHECK(c->id == 12);
    CHECK(c->method == "Runtime.evaluate");
    CHECK(c->session_id == "S1");
    // A large command: the sessionId is read from the tail.
    const std::string large = R"({"id":3,"method":"Page.navigate","params":{"url":")" +
                              std::string(5000, 'u') + R"("},"sessionId":"ABCDEF"})";
    auto l = parse_command_head(edges(large));
    REQUIRE(l);
    CHECK(l->method == "Page.navigate");
    CHECK(l->session_id == "ABCDEF");
    // A sessionId inside params is not the command's session.
    auto d = parse_command_head(
        edges(R"({"id":4,"method":"Target.detachFromTarget","params":{"sessionId":"X"}})"));
    REQUIRE(d);
    CHECK(d->session_id.empty());
    CHECK_FALSE(parse_command_head(edges(R"({"method":"Page.loadEventFired","params":{}})")));
    CHECK_FALSE(parse_command_head(edges("not json")));
    CHECK_FALSE(parse_command_head(edges(R"({"id":1,"params":{"method":"x"}})")));
}

TEST_CASE("a reply's id, error and sessionId") {
    auto ok = parse_reply_head(edges(R"({"id":12,"result":{"value":"secret"},"sessionId":"S1"})"));
    REQUIRE(ok);
    CHECK(ok->id == 12);
    CHECK(ok->session_id == "S1");
    CHECK_FALSE(ok->error_code);
    auto err = parse_reply_head(edges(
        R"({"id":7,"error":{"code":-32000,"message":"Cannot find context with specified id"}})"));
    REQUIRE(err);
    CHECK(err->error_code == -32000);
    CHECK(err->error_message == "Cannot find context with specified id");
    CHECK(err->session_id.empty());
    CHECK_FALSE(parse_reply_head(edges(R"({"method":"Target.attachedToTarget","params":{}})")));
}
