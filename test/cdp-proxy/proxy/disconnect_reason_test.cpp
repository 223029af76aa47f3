// How a relayed connection's end becomes its cdp_disconnect reason.
#include "proxy/disconnect_reason.hpp"
#include "catch.hpp"

using namespace faultline::proxy;

TEST_CASE("disconnect reasons follow which side ended first") {
    using R = DisconnectReason;
    CHECK(immediate_reason(EndCause::client_ended, false, true) == R::client_close);
    CHECK(immediate_reason(EndCause::slow_client, false, false) == R::client_close);
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
