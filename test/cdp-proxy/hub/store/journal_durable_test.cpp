// The journal's durable seq, which sinks read up to: it follows fdatasync, and the hub
// exposes it to readers.
#include "../test_support.hpp"
#include "catch.hpp"
#include "hub/store/instance_id.hpp"
#include "hub/store/journal.hpp"

using namespace faultline::hub;

TEST_CASE("the journal's durable seq follows fdatasync, and a hub exposes it") {
    JournalOptions jo;
    jo.dir = hubtest::temp_dir();
    jo.commit_interval = std::chrono::milliseconds(20);
    Journal j(jo);
    JournalRecovery rec;
    std::string error;
    REQUIRE(j.open(10, rec, error));
    CHECK(j.durable_seq() == 0);
    auto record = [](uint64_t seq) {
        return std::make_shared<const Record>(
            Record{seq, "x", "system", R"({"seq":)" + std::to_string(seq) + R"(,"type":"x"})"});
    };
    REQUIRE(j.append(record(rec.next_seq)));
    REQUIRE(j.append(record(rec.next_seq + 1)));
    REQUIRE(j.wait_durable(rec.next_seq, std::chrono::seconds(5)));
    CHECK(j.durable_seq() == rec.next_seq + 1);
    CHECK_FALSE(j.wait_durable(rec.next_seq + 1, std::chrono::milliseconds(60)));  // nothing newer
    j.close();

    HubOptions o;
    o.data_dir = hubtest::temp_dir();
    o.journal_commit_ms = 10;
    hubtest::TestHub h(o);
    const uint64_t seq = h.hub.publish(hubtest::cdp_event(1));
    REQUIRE(h.hub.wait_durable(seq - 1, std::chrono::seconds(5)));
    CHECK(h.hub.durable_seq() == seq);
    CHECK(valid_instance_id(h.hub.instance_id()));
    Metrics m;
    auto reader = h.hub.open_reader(0, m);
    std::vector<StreamItem> items;
    reader->next(10, items);
    REQUIRE(items.size() == 1);
    CHECK(items[0].id == seq);
}
