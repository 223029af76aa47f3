// PendingReplies with a fake clock: a reply taken once, a lost one expired at its deadline.
#include "monitor/pending_replies.hpp"

#include <functional>
#include <string>

#include "catch.hpp"

using faultline::monitor::PendingReplies;
using Reply = std::function<void(bool ok)>;

TEST_CASE("a reply is taken once; an unknown or late id finds nothing") {
    PendingReplies<Reply> p(30000);
    int calls = 0;
    p.add(
        1, [&](bool ok) { calls += ok; }, 0);
    auto r = p.take(1);
    REQUIRE(r.has_value());
    (*r)(true);
    CHECK(calls == 1);
    CHECK_FALSE(p.take(1).has_value());
    CHECK_FALSE(p.take(7).has_value());
    CHECK(p.size() == 0);
}

TEST_CASE("a reply that never comes expires at its deadline, and only then") {
    PendingReplies<Reply> p(30000);
    std::string log;
    p.add(
        1, [&](bool ok) { log += ok ? "1ok " : "1failed "; }, 0);
    p.add(
        2, [&](bool ok) { log += ok ? "2ok " : "2failed "; }, 10000);
    CHECK(p.next_deadline() == 30000);
    CHECK(p.expire(29999).empty());
    auto late = p.expire(30000);
    REQUIRE(late.size() == 1);
    late[0](false);
    CHECK(log == "1failed ");
    CHECK(p.size() == 1);
    CHECK(p.next_deadline() == 40000);
    CHECK_FALSE(p.take(1).has_value());  // its reply arriving now is ignored
    p.take(2).value()(true);
    CHECK(log == "1failed 2ok ");
    CHECK_FALSE(p.next_deadline().has_value());
}
