#include "tools/event_line.hpp"

#include "catch.hpp"

using faultline::tail::format_event_line;

TEST_CASE("event lines show type and the fields that matter") {
    simdjson::dom::parser p;
    std::string oom =
        R"({"seq":7,"ts":"2026-11-23T03:00:00.123Z","type":"system_oom_kill","category":"system",)"
        R"("source":{"kind":"kmsg"},"id":null,"data":{"pid":42,"process_name":"Web Content",)"
        R"("anon_rss_kb":1024,"constraint":"CONSTRAINT_MEMCG","message":"Killed process 42"}})";
    std::string line = format_event_line(p, oom);
    CHECK(line.find("system_oom_kill") != std::string::npos);
    CHECK(line.find(" pid=42 process_name=Web Content anon_rss_kb=1024") != std::string::npos);
    CHECK(line.find("[kmsg]") != std::string::npos);
    CHECK(line.find("     7 ") != std::string::npos);
    CHECK(line.find("message") == std::string::npos);  // the raw line is not repeated
}

TEST_CASE("event lines join arrays and skip nulls") {
    simdjson::dom::parser p;
    std::string mp =
        R"({"seq":1,"ts":"2026-11-23T03:00:00Z","type":"memory_pressure","category":"system",)"
        R"("source":{"kind":"kmsg"},"id":"k:1","data":{"level":"warning","previous_level":"ok",)"
        R"("reasons":["swap_low","psi_some"],"eta_seconds":null,"mem_total_kb":1,)"
        R"("mem_available_kb":2,"swap_total_kb":3,"swap_free_kb":4}})";
    std::string line = format_event_line(p, mp);
    CHECK(line.find("previous_level=ok level=warning reasons=swap_low,psi_some") !=
          std::string::npos);
    CHECK(line.find("eta_seconds") == std::string::npos);
}

TEST_CASE("text that is not an envelope prints as it is") {
    simdjson::dom::parser p;
    CHECK(format_event_line(p, "not json") == "not json");
    CHECK(format_event_line(p, R"({"x":1})") == R"({"x":1})");
}
