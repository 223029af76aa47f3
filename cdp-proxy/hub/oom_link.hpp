// Links a page_crashed to the system_oom_kill that killed its renderer. The hub remembers the
// recent OOM kills it recorded (pid, process name, when, seq, anonymous memory) and, when a
// page_crashed of a killed renderer is published without oom_kill_seq, matches it by renderer
// pid, else by the most recent not-yet-linked chromium process killed within the window before.
// The CDP monitor holds such a page_crashed for --crash-oom-wait (default 2 s), because Chromium
// notices a dead renderer at once while kmsgmon reports the kill only after reading the whole
// kernel dump. A kill that arrives after its crash was published (kmsgmon slower than the wait)
// is linked from its own side: the system_oom_kill gets page_crashed_seq when its pid is the
// renderer_pid of a crash recorded within the window before. Not thread-safe; the hub calls it
// under its publish lock.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "faultline/event.hpp"

namespace faultline::hub {

class OomLink {
  public:
    explicit OomLink(int64_t window_ms = 10000) : window_ms_(window_ms) {}

    // Adds oom_kill_seq, oom_link (how it matched), oom_anon_rss_kb and a one-sentence message
    // to a page_crashed; page_crashed_seq to a system_oom_kill of a crash recorded without a
    // link. Any other event is left alone.
    void annotate(Event& e, int64_t now_ms);

    // Remembers a recorded system_oom_kill, or page_crashed without a link (the last 64 each).
    void remember(const Event& e, uint64_t seq, int64_t now_ms);

  private:
    struct Kill {
        int64_t pid = 0;
        std::string process_name;
        int64_t at_ms = 0;
        uint64_t seq = 0;
        int64_t anon_rss_kb = -1;
        bool linked = false;
    };
    struct Crash {
        int64_t renderer_pid = 0;
        int64_t at_ms = 0;
        uint64_t seq = 0;
    };
    // how: "pid" or "recent_chromium_kill".
    Kill* match(int64_t renderer_pid, int64_t now_ms, std::string_view& how);
    void annotate_crash(Event& e, int64_t now_ms);
    void annotate_kill(Event& e, int64_t now_ms);

    // Parses the data of the two event types it reads; one parser, reused (under the lock).
    simdjson::dom::parser parser_;
    int64_t window_ms_;
    std::deque<Kill> kills_;
    std::deque<Crash> unlinked_crashes_;  // page_crashed recorded without oom_kill_seq
};

// "1.9 GiB" / "412 MiB" / "900 KiB" for a size in KiB.
std::string human_kib(int64_t kib);

}  // namespace faultline::hub
