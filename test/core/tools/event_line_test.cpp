// The exact terminal lines for representative events of each category, colour on and off,
// and the unit rounding they rely on. TZ is UTC so the clock column is fixed.
#include "tools/event_line.hpp"

#include <cstdlib>
#include <ctime>

#include "catch.hpp"

using faultline::tail::EventLineFormatter;

namespace {

// An envelope of `type` with `data` (a JSON object) at 03:00:00 UTC.
std::string env(uint64_t seq, std::string_view type, std::string_view category,
                std::string_view data, std::string_view source = "cdp") {
    return fmt::format(
        R"({{"seq":{},"ts":"2026-11-23T03:00:00.123456789Z","type":"{}","category":"{}",)"
        R"("source":{{"kind":"{}","host":"vm-1"}},"id":null,"capture_session_id":null,"data":{}}})",
        seq, type, category, source, data);
}

std::string line(std::string_view json, bool colour = false) {
    setenv("TZ", "UTC", 1);
    tzset();
    EventLineFormatter f(colour);
    return f.format(json);
}

constexpr const char* kNav =
    R"("session_id":"5A8C0637D2E4F1A0B9C8D7E6F5A4B3C2","target_id":"81FB1A2BC3D4E5F60718293A4B5C6D7E",)"
    R"("frame_id":"F1","loader_id":"L1","nav_seq":1,)";

}  // namespace

TEST_CASE("units are rounded to what a glance needs") {
    using namespace faultline::tail;
    CHECK(format_kib(23334616) == "22.3 GiB");
    CHECK(format_kib(65280) == "64 MiB");
    CHECK(format_kib(5120) == "5.0 MiB");
    CHECK(format_kib(512) == "512 KiB");
    CHECK(format_kib(-2048) == "-2.0 MiB");
    CHECK(format_bytes(900) == "900 B");
    CHECK(format_bytes(3 * 1024 * 1024) == "3.0 MiB");
    CHECK(format_seconds(2882.7019947484746) == "48 min");
    CHECK(format_seconds(0.25) == "250 ms");
    CHECK(format_seconds(2.36) == "2.4 s");
    CHECK(format_seconds(42.4) == "42 s");
    CHECK(format_seconds(7200) == "2.0 h");
    CHECK(format_ms(2362) == "2.4 s");
    CHECK(format_seconds(std::numeric_limits<double>::infinity()) == "?");
    CHECK(format_kib(std::numeric_limits<double>::quiet_NaN()) == "?");
}

TEST_CASE("system events: OOM kill, memory pressure, service crash, drops") {
    CHECK(line(env(1, "system_oom_kill", "system",
                   R"({"pid":19496,"process_name":"tail","anon_rss_kb":65280,"file_rss_kb":0,)"
                   R"("shmem_rss_kb":0,"constraint":"CONSTRAINT_MEMCG",)"
                   R"("oom_memcg":"/faultline-demo-oom-1","message":"Killed process 19496"})",
                   "kmsg")) ==
          "03:00:00      1 system_oom_kill          pid 19496 (tail) rss 64 MiB memcg "
          "/faultline-demo-oom-1  [kmsg]");
    // The optional fields of a kill seen through a cgroup counter.
    CHECK(line(env(2, "system_oom_kill", "system",
                   R"({"pid":7,"process_name":"Web Content","detected_by":"cgroup",)"
                   R"("cgroup":"/app","victim":"inferred","page_crashed_seq":9,"message":""})",
                   "kmsg")) ==
          "03:00:00      2 system_oom_kill          pid 7 (Web Content) memcg /app detected_by "
          "cgroup victim inferred page_crashed #9  [kmsg]");
    CHECK(
        line(env(5, "memory_pressure", "system",
                 R"({"level":"warning","previous_level":"ok","reasons":["psi_some_sustained",)"
                 R"("swap_draining"],"mem_total_kb":32768000,"mem_available_kb":23334616,)"
                 R"("swap_total_kb":2097152,"swap_free_kb":1048576,"swap_drain_kb_per_s":12.5,)"
                 R"("eta_seconds":2882.7019947484746,"psi_some_avg10":12.34,"psi_full_avg10":3.1})",
                 "kmsg")) ==
        "03:00:00      5 memory_pressure          ok -> warning "
        "(psi_some_sustained,swap_draining) avail 22.3 GiB of 31.2 GiB swap free 1.0 GiB of "
        "2.0 GiB eta 48 min psi 12.3/3.1%  [kmsg]");
    CHECK(line(env(3, "service_crashed", "system",
                   R"({"service_name":"demo-crasher","group_name":"demo-crasher",)"
                   R"("from_state":"RUNNING","pid":19273,"expected":false,"fatal":false})",
                   "supervisord")) ==
          "03:00:00      3 service_crashed          demo-crasher pid 19273 from RUNNING  "
          "[supervisord]");
    CHECK(line(env(8, "events_dropped", "system",
                   R"({"count":42,"from_seq":100,"reason":"reader_behind"})", "hub")) ==
          "03:00:00      8 events_dropped           42 events reader_behind from #100  [hub]");
    CHECK(line(env(9, "events_dropped", "system",
                   R"({"from_seq":100,"to_seq":120,"reason":"unstored"})", "hub")) ==
          "03:00:00      9 events_dropped           unstored #100..#120  [hub]");
}

TEST_CASE("page_crashed names its OOM kill's seq and the process remembered from it") {
    setenv("TZ", "UTC", 1);
    tzset();
    EventLineFormatter f(false);
    f.format(env(11, "system_oom_kill", "system",
                 R"({"pid":500,"process_name":"chromium","anon_rss_kb":1024,"message":"m"})",
                 "kmsg"));
    const std::string crash =
        fmt::format(R"({{{}"url":"http://127.0.0.1:8080/big","status":"oom","error_code":9,)"
                    R"("renderer_pid":500,"oom_kill_seq":11,"oom_link":"pid","message":"m"}})",
                    kNav);
    CHECK(f.format(env(12, "page_crashed", "system", crash)) ==
          "03:00:00     12 page_crashed             http://127.0.0.1:8080/big oom oom_kill #11 "
          "(chromium)  [cdp 81FB1A2B]");
    // A kill this formatter never saw: the seq alone.
    EventLineFormatter fresh(false);
    CHECK(fresh.format(env(12, "page_crashed", "system", crash)) ==
          "03:00:00     12 page_crashed             http://127.0.0.1:8080/big oom oom_kill #11  "
          "[cdp 81FB1A2B]");
}

TEST_CASE("browser events: page URL, network method/status/URL/duration, console level/text") {
    CHECK(
        line(env(20, "page_load", "page",
                 fmt::format(R"({{{}"url":"http://example.test/","cdp_timestamp":1.5}})", kNav))) ==
        "03:00:00     20 page_load                http://example.test/  [cdp 81FB1A2B]");
    CHECK(line(env(21, "network_response", "network",
                   fmt::format(R"({{{}"url":"http://example.test/a.js","request_id":"1",)"
                               R"("method":"GET","status":200,"duration_ms":123.4,)"
                               R"("headers":{{"x":"y"}}}})",
                               kNav))) ==
          "03:00:00     21 network_response         GET 200 http://example.test/a.js 123 ms  "
          "[cdp 81FB1A2B]");
    CHECK(line(env(22, "network_request", "network",
                   fmt::format(R"({{{}"url":"http://example.test/p","request_id":"2",)"
                               R"("method":"POST"}})",
                               kNav))) ==
          "03:00:00     22 network_request          POST http://example.test/p  [cdp 81FB1A2B]");
    CHECK(line(env(23, "network_loading_failed", "network",
                   fmt::format(R"({{{}"url":"http://x.test/","request_id":"3",)"
                               R"("error_text":"net::ERR_ABORTED","canceled":true}})",
                               kNav))) ==
          "03:00:00     23 network_loading_failed   net::ERR_ABORTED (canceled) http://x.test/  "
          "[cdp 81FB1A2B]");
    // A multi-line console message stays on one line.
    CHECK(
        line(env(24, "console_log", "console",
                 fmt::format(R"({{{}"level":"warning","text":"low\nmemory","args":[]}})", kNav))) ==
        "03:00:00     24 console_log              warning low memory  [cdp 81FB1A2B]");
    CHECK(line(env(25, "interaction_click", "interaction",
                   fmt::format(R"({{{}"x":1,"y":2,"selector":"#buy","tag":"BUTTON",)"
                               R"("text":"Buy now"}})",
                               kNav))) ==
          "03:00:00     25 interaction_click        #buy \"Buy now\"  [cdp 81FB1A2B]");
}

TEST_CASE("long URLs and text are cut on a character boundary, ids never lead the line") {
    const std::string url = "http://example.test/" + std::string(200, 'a');
    const std::string l = line(env(30, "page_navigation", "page",
                                   fmt::format(R"({{{}"url":"{}","top_level":true}})", kNav, url)));
    CHECK(l == "03:00:00     30 page_navigation          http://example.test/" +
                   std::string(60, 'a') + "…  [cdp 81FB1A2B]");
    CHECK(l.find("5A8C0637D2E4") == std::string::npos);
    CHECK(faultline::tail::clean_text("aé", 2) == "a…");  // é is two bytes: not split
}

TEST_CASE("cdp events: connect, disconnect reason and close code, command method and duration") {
    CHECK(line(env(40, "cdp_connect", "cdp",
                   R"({"connection_id":"d88114f4-1","client_addr":"127.0.0.1:47396",)"
                   R"("path":"/devtools/browser/x","target":"browser"})",
                   "cdp-proxy")) ==
          "03:00:00     40 cdp_connect              browser from 127.0.0.1:47396 conn d88114f4-1  "
          "[cdp-proxy]");
    CHECK(
        line(env(41, "cdp_disconnect", "cdp",
                 R"({"connection_id":"d88114f4-1","reason":"upstream_changed","duration_ms":2362,)"
                 R"("messages_from_client":1,"messages_from_upstream":1,"bytes_from_client":1,)"
                 R"("bytes_from_upstream":1,"close_code":1012})",
                 "cdp-proxy")) ==
        "03:00:00     41 cdp_disconnect           upstream_changed close 1012 after 2.4 s conn "
        "d88114f4-1  [cdp-proxy]");
    CHECK(line(env(42, "cdp_command", "cdp",
                   R"({"connection_id":"c-1","session_id":"5A8C0637D2E4F1A0B9C8D7E6F5A4B3C2",)"
                   R"("id":3,"method":"Page.navigate","duration_ms":1520,"error_code":-32000,)"
                   R"("error_message":"Cannot navigate"})",
                   "cdp-proxy")) ==
          "03:00:00     42 cdp_command              Page.navigate 1.5 s error -32000 Cannot "
          "navigate conn c-1  [cdp-proxy]");
}

TEST_CASE("monitor, capture and unknown types") {
    CHECK(line(env(50, "monitor_reconnected", "monitor",
                   R"({"reconnect_duration_ms":2100,"attempts":3})", "cdp-monitor")) ==
          "03:00:00     50 monitor_reconnected      after 2.1 s 3 attempts  [cdp-monitor]");
    CHECK(line(env(51, "capture_session_started", "system",
                   R"({"capture_session_id":"0123456789abcdef","categories":["page","network"]})",
                   "hub")) ==
          "03:00:00     51 capture_session_started  page,network capture 01234567  [hub]");
    // No raw JSON for a type this formatter does not know: scalar fields as key=value.
    CHECK(line(env(52, "future_thing", "system", R"({"a":1,"b":"x","nested":{"c":2}})", "hub")) ==
          "03:00:00     52 future_thing             a=1 b=x  [hub]");
}

TEST_CASE("colour only when asked: type by category, source dimmed") {
    const std::string json = env(3, "service_crashed", "system",
                                 R"({"service_name":"s","group_name":"s","from_state":"RUNNING",)"
                                 R"("expected":false,"fatal":true})",
                                 "supervisord");
    CHECK(line(json, true) ==
          "03:00:00      3 \033[1;31mservice_crashed         \033[0m s from RUNNING FATAL (gave up "
          "restarting)  \033[2m[supervisord]\033[0m");
    CHECK(line(json, false).find('\033') == std::string::npos);
    // Text from a page cannot smuggle escape sequences onto the terminal.
    CHECK(line(env(4, "console_log", "console", R"({"level":"log","text":"\u001b[2Jx"})"))
              .find('\033') == std::string::npos);
}

TEST_CASE("text that is not an envelope prints as it is, made safe") {
    setenv("TZ", "UTC", 1);
    EventLineFormatter f;
    CHECK(f.format("not json") == "not json");
    CHECK(f.format(R"({"x":1})") == R"({"x":1})");
    CHECK(f.format("a\033b") == "a b");
    CHECK(f.format(R"({"ts":1,"type":"x"})") == R"({"ts":1,"type":"x"})");
}

TEST_CASE("a data: URL shows only its start; the monitor's endpoint only its host") {
    CHECK(line(env(60, "page_tab_opened", "page",
                   fmt::format(R"({{{}"url":"data:text/html,<title>memory hog</title><script>)"
                               R"(setTimeout(() => 1)</script>","title":""}})",
                               kNav))) ==
          "03:00:00     60 page_tab_opened          data:text/html,<title>memory hog</title>…  "
          "[cdp 81FB1A2B]");
    CHECK(
        line(env(61, "monitor_disconnected", "monitor",
                 R"({"reason":"connection_lost","upstream_url":)"
                 R"("ws://127.0.0.1:9223/devtools/browser/596eaf73-9849-4a90-9323-f11496db5d58"})",
                 "cdp-proxy")) ==
        "03:00:00     61 monitor_disconnected     connection_lost ws://127.0.0.1:9223  "
        "[cdp-proxy]");
}

TEST_CASE("every schema type, its fields all set, gets a summary without JSON or ids") {
    using faultline::FieldType;
    for (const auto& spec : faultline::all_event_specs()) {
        std::string data = "{";
        for (const auto& field : spec.fields) {
            if (data.size() > 1) data += ',';
            std::string value =
                "\"" + std::string(field.allowed.empty() ? "v" : field.allowed[0]) + "\"";
            if (field.name.ends_with("_id")) value = "\"5A8C0637D2E4F1A0B9C8D7E6F5A4B3C2\"";
            if (field.type == FieldType::integer) value = "1";
            if (field.type == FieldType::number) value = "1.5";
            if (field.type == FieldType::boolean) value = "true";
            if (field.type == FieldType::string_array) value = R"(["a","b"])";
            if (field.type == FieldType::object) value = R"({"k":"v"})";
            data += fmt::format(R"("{}":{})", field.name, value);
        }
        data += "}";
        const std::string l = line(env(1, spec.type, spec.category, data));
        INFO(l);
        const std::string head = fmt::format("03:00:00      1 {:<24} ", spec.type);
        REQUIRE(l.starts_with(head));
        CHECK(l.size() > head.size() + 8);  // something beyond the source tag
        CHECK(l.find("{\"") == std::string::npos);
        CHECK(l.find("5A8C0637D2E4F") == std::string::npos);  // at most a 12-character prefix
    }
}
