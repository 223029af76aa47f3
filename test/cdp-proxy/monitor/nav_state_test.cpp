// NavState with a fake clock: network idle, layout settled and navigation settled, each once per
// navigation, with the 10 s rule for requests that never finish.
#include "monitor/nav_state.hpp"

#include "catch.hpp"

using faultline::monitor::Computed;
using faultline::monitor::NavContext;
using faultline::monitor::NavState;
using Kind = Computed::Kind;

namespace {
std::vector<Kind> kinds(const std::vector<Computed>& v) {
    std::vector<Kind> out;
    for (const auto& c : v) out.push_back(c.kind);
    return out;
}
NavState fresh() {
    return NavState(NavContext{"S", "T", "page", "", "", "about:blank", 0});
}
}  // namespace

TEST_CASE("nothing is computed before the first navigation") {
    NavState n = fresh();
    CHECK(n.poll(100000).empty());
    CHECK_FALSE(n.next_deadline(0).has_value());
}

TEST_CASE("attached mid-load: the adopted document's own DOMContentLoaded starts its computing") {
    NavState n = fresh();
    n.adopt("F", "L0", "http://loading/");
    n.dom_content_loaded(100);
    n.loaded(200);
    const auto out = n.poll(1200);
    REQUIRE(kinds(out) ==
            std::vector{Kind::network_idle, Kind::layout_settled, Kind::navigation_settled});
    CHECK(n.context().nav_seq == 1);
}

TEST_CASE("a navigation sets the context and counts") {
    NavState n = fresh();
    n.navigated("F", "L1", "http://a/", 0);
    CHECK(n.context().nav_seq == 1);
    CHECK(n.context().loader_id == "L1");
    n.navigated("F", "L2", "http://b/", 10);
    CHECK(n.context().nav_seq == 2);
    CHECK(n.context().url == "http://b/");
}

TEST_CASE("adopt names the document shown at attach without computing anything") {
    NavState n = fresh();
    n.adopt("F", "L0", "http://shown/");
    CHECK(n.context().nav_seq == 1);
    CHECK(n.poll(100000).empty());
    n.adopt("F", "L9", "http://other/");  // only before any navigation
    CHECK(n.context().loader_id == "L0");
}

TEST_CASE("network idle after 500 ms with nothing in flight, re-armed by a request") {
    NavState n = fresh();
    n.navigated("F", "L", "u", 0);
    n.request_started("r1", 100);
    CHECK(n.poll(700).empty());  // r1 still open
    n.request_finished("r1", 800);
    CHECK(n.poll(1299).empty());
    CHECK(n.next_deadline(1299) == 1300);
    n.request_started("r2", 1200);  // before the timer ran out
    n.request_finished("r2", 1250);
    CHECK(n.poll(1300).empty());
    CHECK(kinds(n.poll(1750)) == std::vector{Kind::network_idle});
    CHECK(n.poll(5000).empty());  // once per navigation
}

TEST_CASE("a redirect hop (same id) is not a second request") {
    NavState n = fresh();
    n.navigated("F", "L", "u", 0);
    n.request_started("r", 0);
    n.request_started("r", 50);
    n.request_finished("r", 100);
    CHECK(n.in_flight() == 0);
    CHECK(kinds(n.poll(600)) == std::vector{Kind::network_idle});
}

TEST_CASE("layout settles 1 s after load; shifts after load re-arm it, earlier ones do not") {
    NavState n = fresh();
    n.navigated("F", "L", "u", 0);
    n.layout_shift(50);  // before load: ignored
    n.loaded(100);
    n.layout_shift(600);
    auto out = n.poll(1100);
    CHECK(kinds(out) == std::vector{Kind::network_idle});
    CHECK(kinds(n.poll(1600)) == std::vector{Kind::layout_settled});
}

TEST_CASE("navigation settles after DOMContentLoaded, layout settled and network idle") {
    NavState n = fresh();
    n.navigated("F", "L", "u", 0);
    n.dom_content_loaded(50);
    n.loaded(100);
    const auto out = n.poll(1100);
    REQUIRE(kinds(out) ==
            std::vector{Kind::network_idle, Kind::layout_settled, Kind::navigation_settled});
    CHECK(out[2].dom_content_loaded);
    CHECK(out[2].load);
    CHECK(out[2].layout_settled);
    CHECK(out[2].network_idle);
    CHECK(out[2].requests_ignored == 0);
    CHECK(std::string(out[2].reason) == "all_conditions");
}

TEST_CASE("without DOMContentLoaded the navigation never settles") {
    NavState n = fresh();
    n.navigated("F", "L", "u", 0);
    n.loaded(100);
    CHECK(kinds(n.poll(5000)) == std::vector{Kind::network_idle, Kind::layout_settled});
    CHECK(n.poll(50000).empty());
}

TEST_CASE("a request open over 10 s no longer holds navigation_settled back, and it says so") {
    NavState n = fresh();
    n.navigated("F", "L", "u", 0);
    n.request_started("hung", 10);
    n.dom_content_loaded(50);
    n.loaded(100);
    CHECK(kinds(n.poll(1100)) == std::vector{Kind::layout_settled});
    CHECK(n.poll(10009).empty());
    CHECK(n.poll(10300).empty());  // aged out at 10010, quiet for 500 ms at 10510
    REQUIRE(n.next_deadline(10300).has_value());
    CHECK(*n.next_deadline(10300) <= 10510);
    const auto out = n.poll(10510);
    REQUIRE(kinds(out) == std::vector{Kind::navigation_settled});
    CHECK_FALSE(out[0].network_idle);
    CHECK(out[0].load);
    CHECK(out[0].requests_ignored == 1);
    CHECK(std::string(out[0].reason) == "long_requests_ignored");
}

TEST_CASE("a hung subresource that blocks load: settled 10 s after DOMContentLoaded, truthfully") {
    NavState n = fresh();
    n.navigated("F", "L", "u", 0);
    n.request_started("doc", 0);
    n.request_finished("doc", 20);
    n.request_started("hung", 30);  // never answers, so load never fires
    n.dom_content_loaded(40);
    n.layout_shift(9900);          // the page still moves: the layout must be quiet for 1 s
    CHECK(n.poll(10500).empty());  // hung aged out at 10030, quiet from then: 10530
    CHECK(n.poll(10899).empty());  // but the shift at 9900 holds it until 10900
    REQUIRE(n.next_deadline(10600).has_value());
    CHECK(*n.next_deadline(10600) <= 10900);
    const auto out = n.poll(10900);
    REQUIRE(kinds(out) == std::vector{Kind::navigation_settled});
    CHECK(out[0].dom_content_loaded);
    CHECK_FALSE(out[0].load);
    CHECK_FALSE(out[0].layout_settled);  // page_layout_settled needs load; it never came
    CHECK_FALSE(out[0].network_idle);
    CHECK(out[0].requests_ignored == 1);
    CHECK(std::string(out[0].reason) == "load_timeout");
    CHECK(n.poll(60000).empty());  // once
}

TEST_CASE("without load, a request started after DOMContentLoaded still holds it 10 s") {
    NavState n = fresh();
    n.navigated("F", "L", "u", 0);
    n.dom_content_loaded(10);
    n.request_started("late", 5000);
    CHECK(n.poll(10500).empty());  // 10 s after DOMContentLoaded, but "late" is 5.5 s old
    CHECK(n.poll(15499).empty());
    REQUIRE(kinds(n.poll(15500)) == std::vector{Kind::navigation_settled});
}

TEST_CASE("a new navigation cancels what the previous one had pending") {
    NavState n = fresh();
    n.navigated("F", "L1", "u", 0);
    n.dom_content_loaded(10);
    n.loaded(20);
    n.navigated("F", "L2", "v", 500);
    CHECK(kinds(n.poll(1100)) == std::vector{Kind::network_idle});  // of navigation 2 only
    CHECK(n.poll(3000).empty());  // no layout_settled: navigation 2 has not loaded
}
