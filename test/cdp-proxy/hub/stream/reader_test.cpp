// One reader's walk: the ring with a filter, a live reader overtaken (reader_behind), the
// catch-up from the journal with what is gone (expired), and the seqs a crash left never
// assigned (skipped silently, or unstored for a reader that resumes inside them).
#include "hub/stream/reader.hpp"
#include "../test_support.hpp"
#include "catch.hpp"
#include "faultline/event.hpp"
#include "hub/store/journal.hpp"
#include "hub/store/journal_line.hpp"

using namespace faultline;
using namespace faultline::hub;
using Clock = std::chrono::steady_clock;
using Kind = StreamItem::Kind;

namespace {
RecordPtr record(uint64_t seq, const char* type = "cdp_connect", const char* category = "cdp") {
    return std::make_shared<const Record>(
        Record{seq, type, category,
               fmt::format(R"({{"seq":{},"ts":"2026-01-01T00:00:00Z","type":"{}","category":"{}",)"
                           R"("source":{{"kind":"hub"}},"data":{{}}}})",
                           seq, type, category),
               0});
}

void publish(RecordRing& ring, const char* type = "cdp_connect", const char* category = "cdp") {
    ring.publish([&](uint64_t s) { return record(s, type, category); });
}

std::vector<StreamItem> read_all(StreamReader& r) {
    std::vector<StreamItem> out;
    while (r.next(100, out)) {
    }
    return out;
}

std::string dropped(const Metrics& m, const char* reason) {
    const std::string text = m.render({});
    const std::string key =
        fmt::format("faultline_hub_events_dropped_total{{reason=\"{}\"}} ", reason);
    const size_t at = text.find(key);
    return at == std::string::npos
               ? "?"
               : text.substr(at + key.size(), text.find('\n', at) - at - key.size());
}

Source source() {
    Source s;
    s.kind = "hub";
    s.name = "test";
    return s;
}
}  // namespace

TEST_CASE("reader: follows the ring after a seq, with the filter") {
    RecordRing ring(16);
    Metrics m;
    publish(ring);
    publish(ring, "service_crashed", "system");
    publish(ring);
    StreamReader r(ring, nullptr, m, source(), StreamFilter{{"cdp"}, {}}, 0);
    auto items = read_all(r);
    REQUIRE(items.size() == 2);
    CHECK(items[0].id == 1);
    CHECK(items[1].id == 3);
    CHECK(items[0].kind == Kind::event);
    CHECK(r.cursor() == 3);  // the filtered-out event is moved over too
    publish(ring);
    items = read_all(r);
    REQUIRE(items.size() == 1);
    CHECK(items[0].id == 4);
    // A cursor past the newest seq is clamped to it.
    StreamReader ahead(ring, nullptr, m, source(), {}, 99);
    CHECK(ahead.cursor() == 4);
}

TEST_CASE("reader: a live reader overtaken by the ring is told exactly what it missed") {
    RecordRing ring(4);
    Metrics m;
    publish(ring);
    StreamReader r(ring, nullptr, m, source(), {}, 0);
    CHECK(read_all(r).size() == 1);
    for (int i = 0; i < 10; ++i) publish(ring);  // 2..11; the ring holds 8..11
    auto items = read_all(r);
    REQUIRE(items.size() == 5);
    CHECK(items[0].kind == Kind::notice);
    CHECK(items[0].json.find(R"("count":6,"from_seq":2,"reason":"reader_behind")") !=
          std::string::npos);
    CHECK(items[0].id == 7);  // the last missed seq
    CHECK(items[1].id == 8);
    CHECK(dropped(m, "reader_behind") == "6");
}

TEST_CASE("reader: catches up from the journal; what neither holds is expired") {
    const std::string dir = hubtest::temp_dir();
    JournalOptions jo;
    jo.dir = dir;
    jo.seq_block = 16;
    Journal j(jo);
    JournalRecovery rec;
    std::string err;
    REQUIRE(j.open(16, rec, err));
    RecordRing ring(2);
    for (uint64_t s = 1; s <= 6; ++s) {
        if (s == 3) {  // handed out but not journaled (a droppable record refused): a hole
            publish(ring);
            continue;
        }
        RecordPtr keep;
        ring.publish([&](uint64_t seq) { return keep = record(seq); });
        REQUIRE(j.append(keep));
    }
    REQUIRE(j.sync(Clock::now() + std::chrono::seconds(5)));
    Metrics m;
    StreamReader r(ring, &j, m, source(), {}, 0);
    auto items = read_all(r);
    std::vector<uint64_t> ids;
    for (const auto& it : items) ids.push_back(it.id);
    CHECK(ids == std::vector<uint64_t>{1, 2, 3, 4, 5, 6});
    REQUIRE(items.size() == 6);
    CHECK(items[2].kind == Kind::notice);
    CHECK(items[2].json.find(R"("count":1,"from_seq":3,"reason":"expired")") != std::string::npos);
    CHECK(dropped(m, "expired") == "1");
    j.close();
    std::filesystem::remove_all(dir);
}

TEST_CASE(
    "reader: seqs a crash left never assigned are no drop; a reader inside is told unstored") {
    const std::string dir = hubtest::temp_dir();
    JournalOptions jo;
    jo.dir = dir;
    {
        Journal j(jo);
        JournalRecovery rec;
        std::string err;
        REQUIRE(j.open(16, rec, err));
        for (uint64_t s = 1; s <= 3; ++s) REQUIRE(j.append(record(s)));
        REQUIRE(j.sync(Clock::now() + std::chrono::seconds(5)));
    }
    {
        SeqReserve r(dir + "/seq.reserve");
        std::string what;
        REQUIRE(r.persist(100, what) == 0);  // the mark a crash leaves behind
    }
    Journal j(jo);
    JournalRecovery rec;
    std::string err;
    REQUIRE(j.open(16, rec, err));
    REQUIRE(rec.unassigned_from == 4);
    RecordRing ring(16, rec.next_seq);
    publish(ring);  // 101
    Metrics m;
    {  // from before the crash, caught up: 101 next, nothing between
        StreamReader r(ring, &j, m, source(), {}, 3);
        auto items = read_all(r);
        REQUIRE(items.size() == 2);
        CHECK(items[0].kind == Kind::unassigned);
        CHECK(items[0].id == 100);
        CHECK(items[1].id == 101);
        CHECK(items[1].kind == Kind::event);
    }
    {  // from further back: the stored ones, then the same
        StreamReader r(ring, &j, m, source(), {}, 1);
        auto items = read_all(r);
        REQUIRE(items.size() == 4);
        CHECK(items[0].id == 2);
        CHECK(items[1].id == 3);
        CHECK(items[2].kind == Kind::unassigned);
    }
    {  // one that saw seq 50 (handed out, never stored): how much more was lost is unknown
        StreamReader r(ring, &j, m, source(), {}, 50);
        auto items = read_all(r);
        REQUIRE(items.size() == 3);
        CHECK(items[0].kind == Kind::notice);
        CHECK(items[0].json.find(R"("from_seq":51,"to_seq":100,"reason":"unstored")") !=
              std::string::npos);
        CHECK(items[0].json.find("count") == std::string::npos);
        CHECK(items[1].kind == Kind::unassigned);
        CHECK(items[2].id == 101);
    }
    CHECK(dropped(m, "expired") == "0");
    j.close();
    std::filesystem::remove_all(dir);
}
