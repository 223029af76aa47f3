// How a relayed connection's end becomes its cdp_disconnect reason.
#include "proxy/disconnect_reason.hpp"
#include "catch.hpp"

using namespace faultline::proxy;

TEST_CASE("disconnect reasons follow which side ended first") {
    using R = DisconnectReason;
    CHECK(immediate_reason(EndCause::client_ended, false, true) == R::client_close);
    CHECK(immediate_reason(EndCause::slow_client, false, false) == R::client_close);
    CHECK(immediate_reason(EndCause::client_protocol_error, false, false) == R::client_close);
    CHECK(immediate_reason(EndCause::shutdown, false, true) == R::context_cancelled);
    CHECK(immediate_reason(EndCause::upstream_replaced, false, false) == R::upstream_changed);
    CHECK(immediate_reason(EndCause::upstream_ended, true, false) == R::client_close);
    CHECK(immediate_reason(EndCause::upstream_ended, false, true) == R::upstream_changed);
    CHECK_FALSE(immediate_reason(EndCause::upstream_ended, false, false).has_value());
    CHECK(reason_after_wait(true) == R::upstream_changed);
    CHECK(reason_after_wait(false) == R::upstream_error);
    CHECK(to_string(R::upstream_error) == "upstream_error");
    CHECK(to_string(R::context_cancelled) == "context_cancelled");
}

TEST_CASE("the Close frame's code and reason start with the event's reason word") {
    using R = DisconnectReason;
    CloseNotice restarted =
        close_notice(R::upstream_changed, EndCause::upstream_replaced, "Chromium restarted");
    CHECK(restarted.code == 1012);
    CHECK(restarted.reason == "upstream_changed: Chromium restarted");
    CHECK(close_notice(R::upstream_error, EndCause::upstream_ended, "gone").code == 1011);
    CHECK(close_notice(R::context_cancelled, EndCause::shutdown, "").code == 1001);
    CHECK(close_notice(R::context_cancelled, EndCause::shutdown, "").reason == "context_cancelled");
    CHECK(close_notice(R::target_closed, EndCause::upstream_ended, "x").code == 1001);
    CHECK(close_notice(R::client_close, EndCause::slow_client, "slow").code == 1008);
    CHECK(close_notice(R::client_close, EndCause::upstream_ended, "").code == 1000);
    CloseNotice broken = close_notice(R::client_close, EndCause::client_protocol_error,
                                      "protocol error: reserved opcode 3");
    CHECK(broken.code == 1002);
    CHECK(broken.reason == "client_close: protocol error: reserved opcode 3");
    CHECK(to_string(R::target_closed) == "target_closed");
}
