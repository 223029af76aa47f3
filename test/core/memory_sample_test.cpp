// The memory sample's JSON: encode -> decode round trip, and every malformed input refused with
// the field it is about.
#include "faultline/memory_sample.hpp"
#include "catch.hpp"
#include "faultline/memory_sample_decode.hpp"

using faultline::MemorySample;
using faultline::MemorySampleDecoder;
using faultline::SampleDecodeError;

namespace {

MemorySample cgroup_sample() {
    MemorySample s;
    s.ts_ms = 1765092000123;
    s.host = "vm-1";
    s.scope = "cgroup";
    s.cgroup = "/docker/abc\"def";
    s.mem_total_kb = 2097152, s.mem_available_kb = 1048576;
    s.swap_total_kb = 0, s.swap_free_kb = 0;
    s.psi_some_avg10 = 12.5, s.psi_full_avg10 = 0.25;
    return s;
}

const char* kValid =
    R"({"ts_ms":1765092000123,"host":"vm-1","scope":"host","mem_total_kb":8000000,)"
    R"("mem_available_kb":4000000,"swap_total_kb":1000,"swap_free_kb":900})";

}  // namespace

TEST_CASE("memory sample: encode then decode gives the same sample") {
    MemorySampleDecoder dec;
    const MemorySample s = cgroup_sample();
    const std::string json = faultline::encode_memory_sample(s);
    CHECK(json ==
          R"({"ts_ms":1765092000123,"host":"vm-1","scope":"cgroup","cgroup":"/docker/abc\"def",)"
          R"("mem_total_kb":2097152,"mem_available_kb":1048576,"swap_total_kb":0,)"
          R"("swap_free_kb":0,"psi_some_avg10":12.5,"psi_full_avg10":0.25})");
    MemorySample back;
    SampleDecodeError err;
    REQUIRE(dec.decode(json, back, err));
    CHECK(faultline::encode_memory_sample(back) == json);
    CHECK(back.cgroup == s.cgroup);
    CHECK(back.psi_full_avg10 == 0.25);
}

TEST_CASE("memory sample: PSI averages are optional, null means unknown") {
    MemorySampleDecoder dec;
    MemorySample s;
    SampleDecodeError err;
    REQUIRE(dec.decode(kValid, s, err));
    CHECK(s.scope == "host");
    CHECK(s.mem_available_kb == 4000000);
    CHECK_FALSE(s.psi_some_avg10);
    CHECK(faultline::encode_memory_sample(s) == kValid);  // nothing invented on the way out
    std::string with_null = kValid;
    with_null.insert(with_null.size() - 1, R"(,"psi_some_avg10":null,"psi_full_avg10":3)");
    REQUIRE(dec.decode(with_null, s, err));
    CHECK_FALSE(s.psi_some_avg10);
    CHECK(s.psi_full_avg10 == 3.0);
}

TEST_CASE("memory sample: malformed input is refused naming the field") {
    MemorySampleDecoder dec;
    struct Case {
        std::string json, field, says;
    };
    auto with = [](std::string extra) {
        std::string j = kValid;
        return j.insert(j.size() - 1, extra);
    };
    auto without = [](std::string key) {
        std::string j = kValid;
        const size_t at = j.find("\"" + key + "\"");
        const size_t end = j.find_first_of(",}", at);
        return j.erase(at, end - at + (j[end] == ',' ? 1 : 0));
    };
    auto replace = [](std::string key, std::string value) {
        std::string j = kValid;
        const size_t at = j.find("\"" + key + "\":") + key.size() + 3;
        return j.replace(at, j.find_first_of(",}", at) - at, value);
    };
    const std::vector<Case> cases = {
        {"", "", "empty"},
        {"[]", "", "JSON object"},
        {"{", "", "invalid JSON"},
        {std::string(kValid) + " {}", "", "trailing"},
        {with(R"(,"extra":1)"), "extra", "unknown field 'extra'"},
        {with(R"(,"host":"b")"), "host", "duplicate"},
        {without("ts_ms"), "ts_ms", "missing required field 'ts_ms'"},
        {without("host"), "host", "missing"},
        {without("scope"), "scope", "missing"},
        {without("mem_total_kb"), "mem_total_kb", "missing"},
        {without("swap_total_kb"), "swap_total_kb", "missing"},
        {replace("ts_ms", "1.5"), "ts_ms", "positive integer"},
        {replace("ts_ms", "0"), "ts_ms", "positive integer"},
        {replace("ts_ms", "\"now\""), "ts_ms", "positive integer"},
        {replace("host", "\"\""), "host", "1 to 255 bytes"},
        {replace("host", "\"" + std::string(256, 'h') + "\""), "host", "1 to 255 bytes"},
        {replace("host", "7"), "host", "must be a string"},
        {replace("scope", "\"machine\""), "scope", "\"host\" or \"cgroup\""},
        {replace("scope", "\"cgroup\""), "cgroup", "required with scope"},
        {with(R"(,"cgroup":"/x")"), "cgroup", "only allowed with scope"},
        {replace("mem_available_kb", "-1"), "mem_available_kb", "integer from 0"},
        {replace("mem_available_kb", "\"4\""), "mem_available_kb", "integer from 0"},
        {replace("mem_total_kb", "1e3"), "mem_total_kb", "integer from 0"},
        {replace("swap_total_kb", "99999999999999999999"), "swap_total_kb", "integer from 0"},
        {with(R"(,"psi_some_avg10":101)"), "psi_some_avg10", "0 to 100"},
        {with(R"(,"psi_full_avg10":-0.5)"), "psi_full_avg10", "0 to 100"},
        {with(R"(,"psi_full_avg10":"1")"), "psi_full_avg10", "0 to 100"},
        {"{\"host\":\"\xff\"}", "", "UTF-8"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.json);
        MemorySample s;
        SampleDecodeError err;
        REQUIRE_FALSE(dec.decode(c.json, s, err));
        CHECK(err.field == c.field);
        CAPTURE(err.message);
        CHECK(err.message.find(c.says) != std::string::npos);
    }
    MemorySample s;
    SampleDecodeError err;
    CHECK(dec.decode(kValid, s, err));  // the decoder is reusable after failures
}
