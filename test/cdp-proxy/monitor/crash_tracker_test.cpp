// Page crashes: url/title from discovery, renderer pids from process snapshots, the hold.
#include "monitor/crash_tracker.hpp"

#include "catch.hpp"

using namespace faultline::monitor;

TEST_CASE("a crash carries the target's url and title and is held for the wait") {
    CrashTracker t(2000);
    t.target_info({"T1", "page", "https://a.test/", "A", "", 0});
    t.target_info({"T1", "page", "https://a.test/next", "A2", "", 0});  // targetInfoChanged
    t.crashed("T1", "killed", 9, "2026-01-01T00:00:00.000000001Z", 1000);
    CHECK(t.due(2999).empty());
    CHECK(t.next_deadline() == 3000);
    const auto out = t.due(3000);
    REQUIRE(out.size() == 1);
    CHECK(out[0].url == "https://a.test/next");
    CHECK(out[0].title == "A2");
    CHECK(out[0].ts == "2026-01-01T00:00:00.000000001Z");  // when Chromium reported it
    CHECK(
        CrashTracker::data(out[0]) ==
        R"({"target_id":"T1","url":"https://a.test/next","title":"A2","status":"killed","error_code":9})");
}

TEST_CASE("one new page and one new renderer: the guess is used when that pid is gone") {
    CrashTracker t(0);
    t.renderer_pids({10});
    t.target_info({"T1", "page", "u", "", "", 0});
    t.renderer_pids({10, 11});
    CHECK(t.target("T1")->renderer_pid == 11);
    t.crashed("T1", "crashed", 5, "", 0);
    t.renderer_pids({10});  // 11 vanished
    CHECK(t.due(0).at(0).renderer_pid == 11);
}

TEST_CASE("the page took the spare renderer: the pid that vanished wins over the guess") {
    // Chromium gives a new page its spare renderer (10) and starts a new spare (11): the
    // creation-time diff guesses 11, but 10 is the one that dies.
    CrashTracker t(1000);
    t.renderer_pids({10});
    t.target_info({"T1", "page", "u", "", "", 0});
    t.renderer_pids({10, 11});
    CHECK(t.target("T1")->renderer_pid == 11);
    t.crashed("T1", "killed", 9, "", 0);
    CHECK(t.pid_pending());
    t.renderer_pids({10, 11});  // not reaped yet: nothing vanished, still waiting
    CHECK(t.pid_pending());
    t.renderer_pids({11});
    CHECK_FALSE(t.pid_pending());
    const auto out = t.due(1000);
    REQUIRE(out.size() == 1);
    CHECK(out[0].renderer_pid == 10);
    CHECK(CrashTracker::data(out[0]).find(R"("renderer_pid":10)") != std::string::npos);
}

TEST_CASE("a live guessed pid is never reported") {
    CrashTracker t(0);
    t.renderer_pids({10});
    t.target_info({"T1", "page", "u", "", "", 0});
    t.renderer_pids({10, 11});
    t.crashed("T1", "killed", 9, "", 0);
    const auto out = t.due(0);  // no snapshot since the crash, and 11 is still there
    REQUIRE(out.size() == 1);
    CHECK(out[0].renderer_pid == 0);
    CHECK(CrashTracker::data(out[0]).find("renderer_pid") == std::string::npos);
}

TEST_CASE("two crashes and two vanished renderers: only a vanished guess is kept") {
    CrashTracker t(0);
    t.renderer_pids({10});
    t.target_info({"T1", "page", "u", "", "", 0});
    t.renderer_pids({10, 11});  // T1 guessed 11
    t.renderer_pids({10, 11, 12});
    t.target_info({"T2", "page", "v", "", "", 0});
    t.renderer_pids({10, 11, 12, 13, 14});  // ambiguous: T2 has no guess
    t.crashed("T1", "killed", 9, "", 0);
    t.crashed("T2", "killed", 9, "", 0);
    t.renderer_pids({10, 12, 14});  // 11 and 13 vanished
    const auto out = t.due(0);
    REQUIRE(out.size() == 2);
    CHECK(out[0].renderer_pid == 11);
    CHECK(out[1].renderer_pid == 0);
}

TEST_CASE("ambiguous snapshots attribute nothing; the renderer that vanished at a crash does") {
    CrashTracker t(1000);
    t.renderer_pids({10});
    t.target_info({"T1", "page", "u", "", "", 0});
    t.renderer_pids({10, 11, 12});  // a spare renderer came too
    CHECK(t.target("T1")->renderer_pid == 0);
    t.crashed("T1", "killed", 9, "", 0);
    t.renderer_pids({10, 11});
    const auto out = t.due(0, true);
    REQUIRE(out.size() == 1);
    CHECK(out[0].renderer_pid == 12);
}

TEST_CASE("only a killed renderer waits for an OOM kill; other crashes are due at once") {
    CrashTracker t(2000);
    t.crashed("T1", "crashed", 5, "", 100);
    t.crashed("T2", "killed", 9, "", 100);
    const auto now = t.due(100);
    REQUIRE(now.size() == 1);
    CHECK(now[0].target_id == "T1");
    CHECK(t.next_deadline() == 2100);
}

TEST_CASE("a crash of an unknown target still reports what Chromium said") {
    CrashTracker t(2000);
    t.crashed("T9", "oom", -1, "", 0);
    const auto out = t.due(0);  // not a kill: no OOM kill to wait for
    REQUIRE(out.size() == 1);
    CHECK(CrashTracker::data(out[0]) == R"({"target_id":"T9","url":"","title":"","status":"oom"})");
}
