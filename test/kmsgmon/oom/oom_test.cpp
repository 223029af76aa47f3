// Unit tests of kmsgmon's OOM part: the /dev/kmsg record parser, the framer, the OOM line
// parser and the correlator, with real kernel lines (4.x, 5.x, 6.x; memcg and global OOM).
#include <string>
#include <vector>

#include "catch.hpp"
#include "faultline/event_decode.hpp"
#include "oom/correlator.hpp"
#include "oom/event.hpp"
#include "oom/kmsg_record.hpp"
#include "oom/parser.hpp"
#include "oom/record_framer.hpp"

using namespace faultline::kmsgmon;

namespace {

KmsgRecord rec(std::string raw) {
    KmsgRecord r;
    std::string why;
    REQUIRE(parse_kmsg_record(raw, r, why));
    return r;
}

// Feeds kernel records (facility 0) and returns the kills they complete.
std::vector<OomKill> correlate(const std::vector<std::string>& lines) {
    OomCorrelator c;
    std::vector<OomKill> kills;
    for (const auto& l : lines)
        if (auto k = c.feed(rec(l))) kills.push_back(std::move(*k));
    return kills;
}

const char* kKill6 =
    "3,5004,25123169297,-;Memory cgroup out of memory: Killed process 17309 (python3) "
    "total-vm:47288kB, anon-rss:37888kB, file-rss:6560kB, shmem-rss:0kB, UID:0 pgtables:136kB "
    "oom_score_adj:0";

}  // namespace

TEST_CASE("record: prefix, escapes, dictionary, continuation flag") {
    auto r =
        rec("6,339,5140900,-;NET: Registered \\x5c protocol\\x0a family 10\n"
            " SUBSYSTEM=net\n DEVICE=+net:lo\n");
    CHECK(r.pri == 6);
    CHECK(r.seq == 339);
    CHECK(r.ts_us == 5140900);
    CHECK(r.from_kernel());
    CHECK(r.message == "NET: Registered \\ protocol\n family 10");
    REQUIRE(r.dict.size() == 2);
    CHECK(r.dict[1] == std::pair<std::string, std::string>{"DEVICE", "+net:lo"});
    CHECK(rec("12,1,2,c,extra;x").continuation);
    CHECK_FALSE(rec("14,1,2,-;from user space").from_kernel());  // LOG_USER
    CHECK(unescape_kmsg("\\xZZ\\x4") == "\\xZZ\\x4");
}

TEST_CASE("record: malformed prefixes are rejected with a reason") {
    std::string why;
    for (const char* bad : {"no semicolon", "6,1;msg", "x,1,2,-;m", "6,-1,2,-;m", "6,1,,-;m",
                            "99999,1,2,-;m", "6,1,2,-;m\nnot a dict line", "6,1,2,-;m\n =v"}) {
        INFO(bad);
        KmsgRecord r;
        why.clear();
        CHECK_FALSE(parse_kmsg_record(bad, r, why));
        CHECK_FALSE(why.empty());
    }
}

TEST_CASE("framer: records split and joined arbitrarily come out whole") {
    const std::string blob = "6,1,1,-;first\n SUBSYSTEM=a\n6,2,2,-;second\n6,3,3,-;third\n";
    for (size_t piece = 1; piece <= blob.size(); ++piece) {
        RecordFramer f;
        std::vector<std::string> out;
        auto sink = [&](std::string_view r) { out.emplace_back(r); };
        for (size_t i = 0; i < blob.size(); i += piece) f.feed(blob.substr(i, piece), sink);
        f.finish(sink);
        INFO("piece " << piece);
        REQUIRE(out.size() == 3);
        CHECK(out[0] == "6,1,1,-;first\n SUBSYSTEM=a\n");
        CHECK(out[2] == "6,3,3,-;third\n");
    }
}

TEST_CASE("framer: over-long lines are dropped and counted") {
    RecordFramer f;
    std::vector<std::string> out;
    auto sink = [&](std::string_view r) { out.emplace_back(r); };
    f.feed(std::string(RecordFramer::kMaxRecordBytes + 10, 'x'), sink);
    f.feed("\n6,1,1,-;after\n", sink);
    f.finish(sink);
    CHECK(f.discarded() == 1);
    REQUIRE(out.size() == 1);
    CHECK(out[0] == "6,1,1,-;after\n");
}

TEST_CASE("oom lines: 6.x memcg kill with every field") {
    auto line = parse_oom_line(rec(kKill6).message);
    auto* k = std::get_if<OomKilled>(&line);
    REQUIRE(k);
    CHECK(k->pid == 17309);
    CHECK(k->comm == "python3");
    CHECK(k->total_vm_kb == 47288);
    CHECK(k->anon_rss_kb == 37888);
    CHECK(k->file_rss_kb == 6560);
    CHECK(k->shmem_rss_kb == 0);
    CHECK(k->uid == 0);
    CHECK(k->pgtables_kb == 136);
    CHECK(k->oom_score_adj == 0);
}

TEST_CASE("oom lines: odd comms, negative adj, older formats with missing fields") {
    auto k = std::get<OomKilled>(parse_oom_line(
        "Out of memory: Killed process 9 (a) (b) total-vm:1kB, anon-rss:2kB, file-rss:3kB, "
        "shmem-rss:4kB, UID:1000 pgtables:5kB oom_score_adj:-17"));
    CHECK(k.comm == "a) (b");
    CHECK(k.oom_score_adj == -17);
    k = std::get<OomKilled>(parse_oom_line(
        "Killed process 555 (kworker/u8:0) total-vm:1024kB, anon-rss:512kB, file-rss:4kB"));
    CHECK(k.comm == "kworker/u8:0");
    CHECK_FALSE(k.uid);
    CHECK_FALSE(k.shmem_rss_kb);
    k = std::get<OomKilled>(
        parse_oom_line("Out of memory: Killed process 1 (Web Content) total-vm:1kB, anon-rss:1kB, "
                       "file-rss:0kB, shmem-rss:0kB, UID:1000"));
    CHECK(k.comm == "Web Content");
    CHECK(k.uid == 1000);
    CHECK_FALSE(k.pgtables_kb);
}

TEST_CASE("oom lines: trigger and constraint lines") {
    auto t = std::get<OomInvoked>(parse_oom_line(
        "Web Content invoked oom-killer: gfp_mask=0x140dca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), "
        "order=0, oom_score_adj=300"));
    CHECK(t.comm == "Web Content");
    CHECK(t.gfp_mask == "0x140dca(GFP_HIGHUSER_MOVABLE|__GFP_COMP)");
    CHECK(t.order == 0);
    auto t4 = std::get<OomInvoked>(
        parse_oom_line("chrome invoked oom-killer: gfp_mask=0x24201ca, nodemask=(null), order=2, "
                       "oom_score_adj=0"));
    CHECK(t4.order == 2);
    auto c = std::get<OomConstraint>(parse_oom_line(
        "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,"
        "oom_memcg=/a,b,task_memcg=/a,b/c,task=x,pid=y,pid=12,uid=1000"));
    CHECK(c.constraint == "CONSTRAINT_MEMCG");
    CHECK(c.oom_memcg == "/a,b");
    CHECK(c.task_memcg == "/a,b/c");
    CHECK(c.task == "x,pid=y");
    CHECK(c.pid == 12);
    CHECK(c.uid == 1000);
}

TEST_CASE("oom lines: malformed and truncated lines are not recognised") {
    for (const char* bad : {
             "Out of memory: Killed process 17309 (python3) total-vm:47288kB, anon-rss:3788",
             "Out of memory: Killed process 17309 (python3) total-vm:47288kB, anon-",
             "Out of memory: Killed process 17309 (python3",
             "Out of memory: Killed process 17309 (python3)",
             "Out of memory: Killed process x (python3) total-vm:1kB",
             "Out of memory: Killed process -4 (python3) total-vm:1kB",
             "Out of memory: Killed process 4 (p) total-vm:1MB",
             "Out of memory: Killed process 4 (p) UID:x",
             "oom-kill:constraint=CONSTRAINT_NONE,task=x,pid=1x,uid=0",
             "usb 1-1: Killed process 4 (p) total-vm:1kB",
             "Out of memory: Kill process 555 (chrome) score 901 or sacrifice child",
             " invoked oom-killer: gfp_mask=0x0, order=0",
             "",
         }) {
        INFO(bad);
        CHECK(std::holds_alternative<std::monostate>(parse_oom_line(bad)));
    }
    // A summary may lack fields (uid here): it is still one.
    CHECK(std::holds_alternative<OomConstraint>(
        parse_oom_line("oom-kill:constraint=CONSTRAINT_NONE,task=x,pid=12")));
}

TEST_CASE("correlator: one kill, one report, joined with its trigger and summary") {
    auto kills = correlate({
        "4,5000,25123168626,-;cat invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, "
        "oom_score_adj=0",
        "4,5001,25123168765,-; oom_kill_process.cold+0x8/0x8a",
        "6,5002,25123169193,-;[  pid  ]   uid  tgid total_vm      rss name",
        "6,5003,25123169261,-;oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,"
        "mems_allowed=0,oom_memcg=/t,task_memcg=/t,task=python3,pid=17309,uid=0",
        kKill6,
        "6,5005,25123170000,-;oom_reaper: reaped process 17309 (python3), now anon-rss:0kB, "
        "file-rss:0kB, shmem-rss:0kB",
    });
    REQUIRE(kills.size() == 1);
    const OomKill& k = kills[0];
    CHECK(k.killed.pid == 17309);
    REQUIRE(k.trigger);
    CHECK(k.trigger->comm == "cat");
    REQUIRE(k.constraint);
    CHECK(k.constraint->oom_memcg == "/t");
    CHECK(k.kernel_seq == 5004);
    CHECK(k.kernel_ts_us == 25123169297);
    CHECK(k.message.starts_with("Memory cgroup out of memory: Killed process 17309"));

    // The event's data validates against core's schema.
    faultline::Event e = system_oom_kill_event(k, {"kmsg", "h", "kmsgmon", 1}, "boot");
    CHECK(e.id == "kmsg-boot-5004");
    faultline::EventDecoder dec;
    faultline::Event back;
    faultline::DecodeError err;
    REQUIRE(dec.decode(faultline::encode_event(e), back, err));
    CHECK(back.data.find("\"trigger_process_name\":\"cat\"") != std::string::npos);
    CHECK(back.data.find("\"constraint\":\"CONSTRAINT_MEMCG\"") != std::string::npos);
}

TEST_CASE("correlator: 4.x 'sacrifice child' then 'Killed process' is one kill") {
    auto kills = correlate({
        "4,1,1000,-;chrome invoked oom-killer: gfp_mask=0x24201ca, order=0, oom_score_adj=0",
        "3,2,1001,-;Out of memory: Kill process 555 (chrome) score 901 or sacrifice child",
        "3,3,1002,-;Killed process 555 (chrome) total-vm:1024kB, anon-rss:512kB, file-rss:4kB",
    });
    REQUIRE(kills.size() == 1);
    CHECK(kills[0].trigger->comm == "chrome");
    CHECK_FALSE(kills[0].constraint);
}

TEST_CASE("correlator: user-space records, foreign summaries and stale triggers") {
    // Facility 1 (LOG_USER): what any root process writing /dev/kmsg gets.
    CHECK(correlate({"11,1,1,-;Out of memory: Killed process 9 (x) total-vm:1kB"}).empty());
    auto kills = correlate({
        "6,1,1000,-;oom-kill:constraint=CONSTRAINT_NONE,task=other,pid=8,uid=0",
        "3,2,1001,-;Out of memory: Killed process 9 (x) total-vm:1kB",
        "4,3,2000,-;y invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0",
        "3,4,90000000,-;Out of memory: Killed process 10 (z) total-vm:1kB",
        "3,5,90000001,-;Out of memory: Killed process 11 (w) total-vm:1kB",
    });
    REQUIRE(kills.size() == 3);
    CHECK_FALSE(kills[0].constraint);  // it named pid 8, not 9
    CHECK_FALSE(kills[1].trigger);     // 90 s earlier: another episode
    CHECK_FALSE(kills[2].trigger);     // already used
}
