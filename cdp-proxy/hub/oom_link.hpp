// Links a page_crashed to the system_oom_kill that killed its renderer. The hub remembers the
// recent OOM kills it recorded (pid, process name, when, seq, anonymous memory) and, when a
// page_crashed of a killed renderer is published without oom_kill_seq, matches it by renderer
// pid, else by the most recent not-yet-linked chromium process killed within the window before.
// The CDP monitor holds such a page_crashed for --crash-oom-wait (default 2 s), because Chromium
// notices a dead renderer at once while kmsgmon reports the kill only after reading the whole
// kernel dump. A kill that arrives after its crash was published (kmsgmon slower than the wait)
// is linked from its own side: the system_oom_kill gets page_crashed_seq when its pid is the
// renderer_pid of a crash recorded within the window before. Not thread-safe; the event log
// calls it under its lock, with each event's fields decoded once (read_link_fields).
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

#include "faultline/event.hpp"

namespace faultline::hub {

// The data fields the link reads, decoded once per event of the two types it links.
struct LinkFields {
    int64_t pid = 0;           // system_oom_kill: pid; page_crashed: renderer_pid (0 = absent)
    std::string process_name;  // system_oom_kill
    int64_t anon_rss_kb = -1;  // system_oom_kill (-1 = absent)
    std::string url, status;   // page_crashed
    bool linked = false;       // oom_kill_seq (page_crashed) / page_crashed_seq (kill) present
    bool described = false;    // page_crashed: message present (the producer described it)
    // page_crashed: oom_link / oom_anon_rss_kb already present; the producer's stays, alone
    // (data never carries a key twice).
    bool has_how = false, has_anon_rss = false;
};

// The fields of a page_crashed or system_oom_kill (one parse of its data); nullopt for any
// other type (not parsed) or data that is not an object.
std::optional<LinkFields> read_link_fields(const Event& e);

class OomLink {
  public:
    explicit OomLink(int64_t window_ms = 10000) : window_ms_(window_ms) {}

    // Adds oom_kill_seq, oom_link (how it matched), oom_anon_rss_kb and a one-sentence message
    // to a page_crashed; page_crashed_seq to a system_oom_kill of a crash recorded without a
    // link. Any other event is left alone.
    // The fields the hub adds go first in data; f is updated to match (linked).
    void annotate(Event& e, LinkFields& f, int64_t now_ms);

    // Remembers a recorded system_oom_kill, or page_crashed without a link (the last 64 each).
    void remember(std::string_view type, const LinkFields& f, uint64_t seq, int64_t now_ms);

    // The same, decoding e's fields themselves (for callers holding one event at a time).
    void annotate(Event& e, int64_t now_ms);
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
    void annotate_crash(Event& e, LinkFields& f, int64_t now_ms);
    void annotate_kill(Event& e, LinkFields& f, int64_t now_ms);

    int64_t window_ms_;
    std::deque<Kill> kills_;
    std::deque<Crash> unlinked_crashes_;  // page_crashed recorded without oom_kill_seq
};

// "1.9 GiB" / "412 MiB" / "900 KiB" for a size in KiB.
std::string human_kib(int64_t kib);

}  // namespace faultline::hub
