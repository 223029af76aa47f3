// Links a page_crashed to the system_oom_kill that killed its renderer. The hub remembers the
// recent OOM kills it recorded (pid, process name, when, seq, anonymous memory) and, when a
// page_crashed is published without oom_kill_seq, matches it by renderer pid, else by the most
// recent not-yet-linked chromium process killed within the window before. The CDP monitor holds
// a page_crashed for --crash-oom-wait (default 2 s) before publishing it, because Chromium
// notices a dead renderer at once while kmsgmon reports the kill only after reading the whole
// kernel dump. Not thread-safe; the hub calls it under its publish lock.
#pragma once

#include <cstdint>
#include <deque>
#include <string>

#include "faultline/event.hpp"

namespace faultline::hub {

class OomLink {
  public:
    explicit OomLink(int64_t window_ms = 10000) : window_ms_(window_ms) {}

    // Adds oom_kill_seq, oom_anon_rss_kb and a one-sentence message to a page_crashed.
    // Any other event is left alone.
    void annotate(Event& e, int64_t now_ms);

    // Remembers a recorded system_oom_kill (at most the last 64).
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
    Kill* match(int64_t renderer_pid, int64_t now_ms);

    int64_t window_ms_;
    std::deque<Kill> kills_;
};

// "1.9 GiB" / "412 MiB" / "900 KiB" for a size in KiB.
std::string human_kib(int64_t kib);

}  // namespace faultline::hub
