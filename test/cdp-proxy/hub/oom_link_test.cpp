// The page_crashed -> system_oom_kill link: by renderer pid first, else by the most recent
// chromium kill within the window; each fallback kill links one crash; the message reads well.
#include "hub/oom_link.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include "catch.hpp"

using faultline::Event;
using faultline::hub::human_kib;
using faultline::hub::OomLink;

namespace {
Event oom(int pid, const char* comm, long anon_kb) {
    Event e;
    e.type = "system_oom_kill";
    e.data = fmt::format(R"({{"pid":{},"process_name":"{}","anon_rss_kb":{},"message":"m"}})", pid,
                         comm, anon_kb);
    return e;
}
Event crash(int renderer_pid = 0) {
    Event e;
    e.type = "page_crashed";
    e.data =
        renderer_pid
            ? fmt::format(
                  R"({{"target_id":"T","url":"https://x.test/","status":"killed","renderer_pid":{}}})",
                  renderer_pid)
            : R"({"target_id":"T","url":"https://x.test/","status":"killed"})";
    return e;
}
int64_t field(const Event& e, const char* key) {
    simdjson::dom::parser p;
    int64_t v = -1;
    if (p.parse(e.data)[key].get_int64().get(v)) return -1;
    return v;
}
std::string text(const Event& e, const char* key) {
    simdjson::dom::parser p;
    std::string_view v;
    if (p.parse(e.data)[key].get_string().get(v)) return {};
    return std::string(v);
}
std::string message(const Event& e) {
    return text(e, "message");
}
}  // namespace

TEST_CASE("a crash is linked to the kill of its renderer pid") {
    OomLink link;
    link.remember(oom(4242, "chromium", 1992294), 17, 1000);
    link.remember(oom(99, "chromium", 10), 18, 1500);
    Event c = crash(4242);
    link.annotate(c, 2000);
    CHECK(field(c, "oom_kill_seq") == 17);
    CHECK(text(c, "oom_link") == "pid");
    CHECK(field(c, "oom_anon_rss_kb") == 1992294);
    CHECK(message(c) ==
          "page https://x.test/ crashed because the kernel OOM killer killed its renderer (pid "
          "4242), which had 1.9 GiB anonymous memory");
}

TEST_CASE("without a pid the most recent chromium kill in the window links, once") {
    OomLink link(5000);
    link.remember(oom(7, "python3", 10), 20, 1000);
    link.remember(oom(8, "chromium", 2048), 21, 1200);
    Event a = crash();
    link.annotate(a, 3000);
    CHECK(field(a, "oom_kill_seq") == 21);
    CHECK(text(a, "oom_link") == "recent_chromium_kill");
    Event b = crash();
    link.annotate(b, 3100);  // the only chromium kill is taken
    CHECK(field(b, "oom_kill_seq") == -1);
    CHECK(message(b) == "page https://x.test/ crashed: its renderer was killed");
    CHECK(text(b, "oom_link").empty());
}

TEST_CASE("a renderer that crashed by itself is not linked to a kill") {
    OomLink link;
    link.remember(oom(4242, "chromium", 2048), 17, 1000);
    Event c;
    c.type = "page_crashed";
    c.data = R"({"target_id":"T","url":"https://x.test/","status":"crashed","renderer_pid":4242})";
    link.annotate(c, 1500);
    CHECK(field(c, "oom_kill_seq") == -1);
    CHECK(message(c) == "page https://x.test/ crashed: its renderer terminated (crashed)");
}

TEST_CASE("kills outside the window or of other processes do not link") {
    OomLink link(5000);
    link.remember(oom(8, "chromium", 2048), 21, 1000);
    Event late = crash();
    link.annotate(late, 7000);
    CHECK(field(late, "oom_kill_seq") == -1);
    link.remember(oom(9, "node", 2048), 22, 7000);
    Event other = crash();
    link.annotate(other, 7100);
    CHECK(field(other, "oom_kill_seq") == -1);
}

TEST_CASE("a crash that already says its cause is left alone; other types too") {
    OomLink link;
    link.remember(oom(8, "chromium", 2048), 21, 1000);
    Event c;
    c.type = "page_crashed";
    c.data = R"({"target_id":"T","oom_kill_seq":3})";
    link.annotate(c, 1100);
    CHECK(c.data == R"({"target_id":"T","oom_kill_seq":3})");
    Event o;
    o.type = "console_log";
    o.data = "{}";
    link.annotate(o, 1100);
    CHECK(o.data == "{}");
}

TEST_CASE("a kill that reaches the hub after its crash was recorded names the crash") {
    OomLink link(10000);
    Event c = crash(4242);  // published after the wait, no kill known yet
    link.annotate(c, 1000);
    CHECK(field(c, "oom_kill_seq") == -1);
    link.remember(c, 30, 1000);
    Event other = oom(77, "chromium", 10);  // another process: not this crash
    link.annotate(other, 1500);
    CHECK(field(other, "page_crashed_seq") == -1);
    Event k = oom(4242, "chromium", 2048);
    link.annotate(k, 3000);
    CHECK(field(k, "page_crashed_seq") == 30);
    CHECK(field(k, "pid") == 4242);
    link.remember(k, 31, 3000);
    Event again = oom(4242, "chromium", 2048);  // each crash is named once
    link.annotate(again, 3100);
    CHECK(field(again, "page_crashed_seq") == -1);
    Event late = crash();  // the late kill is taken: no fallback link to it
    link.annotate(late, 3200);
    CHECK(field(late, "oom_kill_seq") == -1);
}

TEST_CASE("a late kill outside the window is not linked") {
    OomLink link(10000);
    Event c = crash(4242);
    link.annotate(c, 1000);
    link.remember(c, 30, 1000);
    Event k = oom(4242, "chromium", 2048);
    link.annotate(k, 11001);
    CHECK(field(k, "page_crashed_seq") == -1);
}

TEST_CASE("each event's fields are read once; annotate keeps them current for remember") {
    CHECK_FALSE(faultline::hub::read_link_fields(Event{}));  // other types are not parsed
    const Event k = oom(4242, "chromium", 2048);
    auto kf = faultline::hub::read_link_fields(k);
    REQUIRE(kf);
    CHECK(kf->pid == 4242);
    CHECK(kf->process_name == "chromium");
    CHECK(kf->anon_rss_kb == 2048);
    CHECK_FALSE(kf->linked);
    OomLink link;
    link.remember(k.type, *kf, 17, 1000);
    Event c = crash(4242);
    auto cf = faultline::hub::read_link_fields(c);
    REQUIRE(cf);
    CHECK(cf->pid == 4242);
    CHECK(cf->status == "killed");
    link.annotate(c, *cf, 1500);
    CHECK(cf->linked);  // so remember will not keep it as an unlinked crash
    CHECK(cf->described);
    link.remember(c.type, *cf, 18, 1500);
    Event late = oom(4242, "chromium", 2048);  // a second report of the kill names no crash
    link.annotate(late, 1600);
    CHECK(field(late, "page_crashed_seq") == -1);
    // The hub's fields go first, the producer's follow unchanged.
    CHECK(c.data.rfind(R"({"oom_kill_seq":17,"oom_link":"pid","oom_anon_rss_kb":2048,)", 0) == 0);
    CHECK(c.data.ends_with(
        R"("target_id":"T","url":"https://x.test/","status":"killed","renderer_pid":4242})"));
}

TEST_CASE("a crash that carries the hub's oom_link or oom_anon_rss_kb keeps its own, never twice") {
    OomLink link;
    link.remember(oom(4242, "chromium", 2048), 17, 1000);
    Event c;
    c.type = "page_crashed";
    c.data = R"({"status":"killed","renderer_pid":4242,"oom_link":"mine","oom_anon_rss_kb":5})";
    link.annotate(c, 1500);
    CHECK(field(c, "oom_kill_seq") == 17);  // still linked
    CHECK(text(c, "oom_link") == "mine");
    CHECK(field(c, "oom_anon_rss_kb") == 5);
    for (const char* key : {"\"oom_link\"", "\"oom_anon_rss_kb\"", "\"oom_kill_seq\""}) {
        INFO(key << " in " << c.data);
        const auto at = c.data.find(key);
        REQUIRE(at != std::string::npos);
        CHECK(c.data.find(key, at + 1) == std::string::npos);
    }
}

TEST_CASE("sizes read like a human would write them") {
    CHECK(human_kib(1992294) == "1.9 GiB");
    CHECK(human_kib(421888) == "412 MiB");
    CHECK(human_kib(900) == "900 KiB");
}
