// The journal's writer and the seq high-water mark, on a real directory: group commit and
// durable waits, reads of queued records without any write, a real write failure (a file
// size limit, RLIMIT_FSIZE, makes pwrite fail with EFBIG) and the recovery from it, and
// seq.reserve's slots.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <csignal>
#include <fstream>

#include "../test_support.hpp"
#include "catch.hpp"
#include "faultline/event.hpp"
#include "hub/store/journal.hpp"
#include "hub/store/journal_line.hpp"
#include "hub/store/seq_reserve.hpp"

using namespace faultline::hub;
using Clock = std::chrono::steady_clock;

namespace {
RecordPtr record(uint64_t seq) {
    return std::make_shared<const Record>(
        Record{seq, "cdp_connect", "cdp",
               fmt::format(R"({{"seq":{},"x":"{}"}})", seq, std::string(100, 'a'))});
}

JournalOptions options(const std::string& dir, int commit_ms = 0) {
    JournalOptions o;
    o.dir = dir;
    o.commit_interval = std::chrono::milliseconds(commit_ms);
    o.log = faultline::null_log();
    return o;
}

std::vector<uint64_t> seqs_of(const std::vector<std::string>& lines) {
    std::vector<uint64_t> out;
    for (const auto& l : lines) out.push_back(*journal_line_seq(l));
    return out;
}

std::vector<uint64_t> read_all(Journal& j, uint64_t after = 0) {
    JournalCursor cur;
    std::vector<std::string> lines;
    while (true) {
        const size_t n = lines.size();
        j.read_after(cur, lines.empty() ? after : *journal_line_seq(lines.back()), 64, lines);
        if (lines.size() == n) break;
    }
    return seqs_of(lines);
}

uint64_t dir_bytes(const std::string& dir) {
    uint64_t n = 0;
    for (auto& e : std::filesystem::directory_iterator(dir))
        if (e.path().extension() == ".ndjson") n += e.file_size();
    return n;
}

// Bytes on disk of records from..to.
uint64_t bytes_of(uint64_t from, uint64_t to) {
    uint64_t n = 0;
    for (uint64_t s = from; s <= to; ++s) n += record(s)->json.size() + 1;
    return n;
}

std::vector<uint64_t> range(uint64_t from, uint64_t to) {
    std::vector<uint64_t> v;
    for (uint64_t s = from; s <= to; ++s) v.push_back(s);
    return v;
}

// Caps the size of files this process writes; restores the old limit when destroyed.
struct FileSizeLimit {
    rlimit old{};
    explicit FileSizeLimit(rlim_t bytes) {
        std::signal(SIGXFSZ, SIG_IGN);  // a write past the limit fails with EFBIG instead
        getrlimit(RLIMIT_FSIZE, &old);
        rlimit lim{bytes, old.rlim_max};
        setrlimit(RLIMIT_FSIZE, &lim);
    }
    ~FileSizeLimit() { setrlimit(RLIMIT_FSIZE, &old); }
};
}  // namespace

TEST_CASE("journal lines: the leading fields are read without decoding; anything else is not") {
    const std::string line = faultline::encode_event([] {
        faultline::Event e = faultline::make_event("events_dropped",
                                                   R"({"count":1,"from_seq":2,"reason":"expired"})",
                                                   faultline::Source{"hub", "", "", std::nullopt});
        e.seq = 42;
        e.ts = "2026-06-12T20:05:01.123456789Z";
        return e;
    }());
    auto head = journal_line_head(line);
    REQUIRE(head);
    CHECK(head->seq == 42);
    CHECK(head->ts == "2026-06-12T20:05:01.123456789Z");
    CHECK(head->type == "events_dropped");
    CHECK(head->category == "system");
    CHECK_FALSE(journal_line_head(R"({"ts":"x","type":"a","category":"b","data":{}})"));  // no seq
    CHECK_FALSE(journal_line_head(R"({"seq":1,"type":"a","ts":"x","category":"b","data":{}})"));
    CHECK_FALSE(journal_line_head(R"({"seq":1,"ts":"x","type":"a\u0062","category":"b","x":1})"));
    CHECK_FALSE(journal_line_head(R"({"seq":1,"ts":"x","type":"","category":"b","x":1})"));
    CHECK_FALSE(journal_line_head(R"({"seq":1,"ts":"x","type":"a","category":"b"})"));
    CHECK_FALSE(journal_line_head(R"({"seq":1,"ts":"x","type":"a","category":"b)"));
}

TEST_CASE("journal lines carry the recorded time as a last member; readers strip it") {
    const std::string envelope = R"({"seq":7,"ts":"t","type":"a","category":"b","data":{"x":1}})";
    std::string line;
    append_journal_line(line, envelope, 1781294701123456789u);
    CHECK(line == R"({"seq":7,"ts":"t","type":"a","category":"b","data":{"x":1},)"
                  R"("recorded_ns":1781294701123456789})");
    CHECK(journal_line_seq(line) == 7u);
    CHECK(journal_line_head(line)->type == "a");
    CHECK(take_recorded_ns(line) == 1781294701123456789u);
    CHECK(line == envelope);
    CHECK(take_recorded_ns(line) == 0);  // an older journal's line: left as it is
    CHECK(line == envelope);
    std::string in_data = R"({"seq":7,"data":{"recorded_ns":5}})";
    CHECK(take_recorded_ns(in_data) == 0);  // a member of data is not the hub's
    std::string zero = R"({"seq":7,"data":{},"recorded_ns":05})";
    CHECK(take_recorded_ns(zero) == 0);
}

TEST_CASE("seq.reserve slots: round trip, torn or zeroed slots are not marks") {
    CHECK(parse_reserve_slot(format_reserve_slot(42)) == 42u);
    CHECK(parse_reserve_slot(format_reserve_slot(UINT64_MAX)) == UINT64_MAX);
    std::string s = format_reserve_slot(1234);
    CHECK(s.size() == kReserveSlotBytes);
    s[19] = '5';  // one digit changed: the checksum no longer matches
    CHECK_FALSE(parse_reserve_slot(s));
    CHECK_FALSE(parse_reserve_slot(std::string(kReserveSlotBytes, '\0')));
    CHECK_FALSE(parse_reserve_slot(format_reserve_slot(7).substr(0, 20)));
    // The same checksum in upper-case hex is not a slot we wrote (the fuzzer found it).
    std::string upper = format_reserve_slot(16384);
    std::transform(upper.begin(), upper.end(), upper.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    REQUIRE(upper != format_reserve_slot(16384));
    CHECK_FALSE(parse_reserve_slot(upper));
}

TEST_CASE("seq.reserve keeps the newest intact mark and a lowered one after a clean stop") {
    const std::string dir = hubtest::temp_dir();
    std::string err, what;
    {
        SeqReserve r(dir + "/seq.reserve");
        uint64_t m = 1;
        REQUIRE(r.load(m, err));
        CHECK(m == 0);
        REQUIRE(r.persist(100, what) == 0);
        REQUIRE(r.persist(200, what) == 0);
    }
    {
        SeqReserve r(dir + "/seq.reserve");
        uint64_t m = 0;
        REQUIRE(r.load(m, err));
        CHECK(m == 200);
        REQUIRE(r.persist(150, what) == 0);  // lowered: both slots now say 150
    }
    {
        SeqReserve r(dir + "/seq.reserve");
        uint64_t m = 0;
        REQUIRE(r.load(m, err));
        CHECK(m == 150);
        REQUIRE(r.persist(300, what) == 0);
    }
    // Spoil the slot holding 300 (a torn write): the other slot's 150 is what remains.
    {
        std::fstream f(dir + "/seq.reserve", std::ios::in | std::ios::out | std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(f)), {});
        const size_t at = bytes.find(format_reserve_slot(300));
        REQUIRE(at != std::string::npos);
        f.seekp(static_cast<std::streamoff>(at + 5));
        f << "xx";
    }
    SeqReserve r(dir + "/seq.reserve");
    uint64_t m = 0;
    REQUIRE(r.load(m, err));
    CHECK(m == 150);
    std::filesystem::remove_all(dir);
}

TEST_CASE("journal: seq continues above the reserved mark, exactly after a clean close") {
    const std::string dir = hubtest::temp_dir();
    {
        Journal j(options(dir));
        JournalRecovery rec;
        std::string err;
        REQUIRE(j.open(16, rec, err));
        CHECK(rec.next_seq == 1);
        for (uint64_t s = 1; s <= 5; ++s) REQUIRE(j.append(record(s)));
        REQUIRE(j.wait_durable(5, Clock::now() + std::chrono::seconds(5)) == Durability::durable);
        CHECK(j.reserved_seq() > 5);  // a block ahead, persisted before use
        CHECK(j.durable_seq() == 5);
        CHECK(j.wait_durable(4, std::chrono::milliseconds(0)));
        CHECK_FALSE(j.wait_durable(5, std::chrono::milliseconds(10)));
        j.close();
    }
    {
        Journal j(options(dir));
        JournalRecovery rec;
        std::string err;
        REQUIRE(j.open(16, rec, err));
        CHECK(rec.last_seq == 5);
        CHECK(rec.next_seq == 6);
        CHECK(rec.tail.size() == 5);
    }
    // A crash leaves the mark a block ahead: seq continues above it even with no journal.
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    {
        std::string what;
        SeqReserve r(dir + "/seq.reserve");
        REQUIRE(r.persist(5000, what) == 0);
    }
    Journal j(options(dir));
    JournalRecovery rec;
    std::string err;
    REQUIRE(j.open(16, rec, err));
    CHECK(rec.last_seq == 0);
    CHECK(rec.next_seq == 5001);
    j.close();
    std::filesystem::remove_all(dir);
}

TEST_CASE("journal: the first open after a crash records the reserved rest as never assigned") {
    const std::string dir = hubtest::temp_dir();
    {
        Journal j(options(dir));
        JournalRecovery rec;
        std::string err;
        REQUIRE(j.open(16, rec, err));
        CHECK(rec.unassigned_from == 0);
        for (uint64_t s = 1; s <= 3; ++s) REQUIRE(j.append(record(s)));
        REQUIRE(j.wait_durable(3, Clock::now() + std::chrono::seconds(5)) == Durability::durable);
    }  // closed cleanly: the mark is exact
    {
        std::string what;
        SeqReserve r(dir + "/seq.reserve");
        uint64_t mark = 0;
        REQUIRE(r.load(mark, what));
        REQUIRE(r.persist(100, what) == 0);  // as a crash leaves it: a block ahead
    }
    const auto read_all = [](Journal& j) {
        JournalCursor cur;
        std::vector<std::string> lines;
        j.read_after(cur, 0, 100, lines);
        return lines;
    };
    for (int start = 0; start < 2; ++start) {  // the record is written once, and stays
        Journal j(options(dir));
        JournalRecovery rec;
        std::string err;
        REQUIRE(j.open(16, rec, err));
        CHECK(rec.next_seq == 101);
        CHECK(rec.unassigned_from == (start == 0 ? 4 : 0));
        REQUIRE(j.sync(Clock::now() + std::chrono::seconds(5)));
        const auto lines = read_all(j);
        REQUIRE(lines.size() == 4);
        CHECK(journal_line_seq(lines[3]) == 100u);
        CHECK(unassigned_from(lines[3]) == 4u);
        CHECK_FALSE(unassigned_from(lines[2]));
    }
    CHECK(unassigned_record(4, 100) == R"({"seq":100,"unassigned_from":4})");
    CHECK_FALSE(unassigned_from(R"({"seq":100,"unassigned_from":101})"));
    CHECK_FALSE(unassigned_from(R"({"seq":100,"unassigned_from":x})"));
    std::filesystem::remove_all(dir);
}

TEST_CASE("journal: readers get queued records without writing them") {
    const std::string dir = hubtest::temp_dir();
    Journal j(options(dir, /*commit_ms=*/400));  // a long commit window keeps them queued
    JournalRecovery rec;
    std::string err;
    REQUIRE(j.open(16, rec, err));
    for (uint64_t s = 1; s <= 50; ++s) REQUIRE(j.append(record(s)));
    CHECK(read_all(j) == range(1, 50));
    CHECK(read_all(j, 20) == range(21, 50));
    CHECK(dir_bytes(dir) == 0);  // the reads wrote nothing
    REQUIRE(j.wait_durable(50, Clock::now() + std::chrono::seconds(5)) == Durability::durable);
    CHECK(dir_bytes(dir) == bytes_of(1, 50));
    for (uint64_t s = 51; s <= 60; ++s) REQUIRE(j.append(record(s)));
    CHECK(read_all(j, 45) == range(46, 60));  // disk then queue, in order, once each
    j.close();
    std::filesystem::remove_all(dir);
}

TEST_CASE("journal: concurrent waiters share commits (group commit)") {
    const std::string dir = hubtest::temp_dir();
    Journal j(options(dir, 1));
    JournalRecovery rec;
    std::string err;
    REQUIRE(j.open(16, rec, err));
    std::mutex mu;  // appends in seq order, as the hub's publish lock guarantees
    uint64_t next = 1;
    std::atomic<int> durable{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 50; ++i) {
                uint64_t seq;
                {
                    std::lock_guard lock(mu);
                    seq = next++;
                    j.append(record(seq));
                }
                if (j.wait_durable(seq, Clock::now() + std::chrono::seconds(10)) ==
                    Durability::durable)
                    ++durable;
            }
        });
    for (auto& t : threads) t.join();
    CHECK(durable == 400);
    const JournalStats s = j.stats();
    CHECK(s.durable_seq == 400);
    CHECK(s.fsyncs < 400);  // batches of several waiters shared one fdatasync
    CHECK(read_all(j) == range(1, 400));
    j.close();
    std::filesystem::remove_all(dir);
}

TEST_CASE("journal: a failing write makes it unwritable with the cause; it recovers by itself") {
    const std::string dir = hubtest::temp_dir();
    const size_t line = record(1)->json.size() + 1;
    uint64_t before_failure = 0;
    {
        Journal j(options(dir));
        JournalRecovery rec;
        std::string err;
        REQUIRE(j.open(16, rec, err));
        for (uint64_t s = 1; s <= 10; ++s) REQUIRE(j.append(record(s)));
        REQUIRE(j.wait_durable(10, Clock::now() + std::chrono::seconds(5)) == Durability::durable);
        {
            FileSizeLimit limit(bytes_of(1, 10) + line / 2);  // the 11th record fits only half
            for (uint64_t s = 11; s <= 20; ++s) REQUIRE(j.append(record(s)));
            CHECK(j.wait_durable(20, Clock::now() + std::chrono::seconds(5)) == Durability::failed);
            CHECK_FALSE(j.writable());
            CHECK(j.error().find("EFBIG") != std::string::npos);
            std::string why;
            CHECK_FALSE(j.accepting(why));
            CHECK(why.find("EFBIG") != std::string::npos);
            CHECK(read_all(j) == range(1, 20));  // queued ones are still readable
            const JournalStats s = j.stats();
            CHECK(s.durable_seq == 10);
            CHECK(s.errors_by_cause[4] >= 1);  // EFBIG
            before_failure = s.write_errors;
            CHECK(s.bytes == bytes_of(1, 10));
        }
        // The limit is gone: the writer's next retry stores everything, nobody intervenes.
        for (int i = 0; i < 500 && !j.writable(); ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        CHECK(j.wait_durable(20, Clock::now() + std::chrono::seconds(5)) == Durability::durable);
        CHECK(j.writable());
        CHECK(j.error().empty());
        CHECK(j.stats().write_errors >= before_failure);
        j.close();
    }
    Journal j(options(dir));
    JournalRecovery rec;
    std::string err;
    REQUIRE(j.open(64, rec, err));
    // Each once, in order: the half-written record was cut back before the rewrite.
    CHECK(seqs_of(rec.tail) == range(1, 20));
    CHECK(rec.next_seq == 21);
    j.close();
    std::filesystem::remove_all(dir);
}

TEST_CASE("journal: rotation and retention with the writer thread") {
    const std::string dir = hubtest::temp_dir();
    JournalOptions o = options(dir);
    const size_t line = record(1)->json.size() + 1;
    o.segment_bytes = 10 * line;
    o.retention_bytes = 30 * line;
    Journal j(o);
    JournalRecovery rec;
    std::string err;
    REQUIRE(j.open(16, rec, err));
    for (uint64_t s = 1; s <= 100; ++s) {
        REQUIRE(j.append(record(s)));
        REQUIRE(j.wait_durable(s, Clock::now() + std::chrono::seconds(5)) == Durability::durable);
    }
    const JournalStats st = j.stats();
    CHECK(st.segments <= 4);
    CHECK(st.bytes <= 40 * line);
    const auto got = read_all(j);
    REQUIRE(!got.empty());
    CHECK(got.back() == 100);
    CHECK(got == range(got.front(), 100));
    j.close();
    std::filesystem::remove_all(dir);
}

namespace {
void write_segment(const std::string& dir, uint64_t first, const std::vector<uint64_t>& seqs) {
    std::ofstream f(fmt::format("{}/{:020}.ndjson", dir, first), std::ios::binary);
    for (uint64_t s : seqs) f << record(s)->json << '\n';
}
}  // namespace

TEST_CASE("journal: lines a failed cut-back left in an older segment never come back twice") {
    // After a failed fdatasync whose ftruncate failed too, segment 1 keeps unsynced copies of
    // 11..20 (and a stray older line); the writer rewrote 11..20 into a new segment 11.
    const std::string dir = hubtest::temp_dir();
    std::vector<uint64_t> old = range(1, 20);
    old.push_back(5);  // out of order
    write_segment(dir, 1, old);
    write_segment(dir, 11, range(11, 25));
    {
        Journal j(options(dir));
        JournalRecovery rec;
        std::string err;
        REQUIRE(j.open(64, rec, err));
        CHECK(seqs_of(rec.tail) == range(1, 25));
        CHECK(rec.last_seq == 25);
        CHECK(read_all(j) == range(1, 25));
        CHECK(read_all(j, 8) == range(9, 25));
        // Paging in small steps across the segment boundary, too.
        JournalCursor cur;
        std::vector<std::string> lines;
        for (int i = 0; i < 40; ++i)
            j.read_after(cur, lines.empty() ? 0 : *journal_line_seq(lines.back()), 3, lines);
        CHECK(seqs_of(lines) == range(1, 25));
        j.close();
    }
    std::filesystem::remove_all(dir);
}
