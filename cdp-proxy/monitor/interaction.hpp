// Interaction events from a script the monitor injects into every document (the replaced system's
// telemetry spec, §8.10): it reports clicks, keys and settled scrolls through a CDP binding. It
// never reports the text or keys of password, payment, one-time-code or similarly sensitive fields.
// The monitor checks what the page sends (a page could call the binding itself): only the three
// known types, only known fields with the right types, identity taken from the monitor, at most one
// event per type per 50 ms per session.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "monitor/nav_state.hpp"

namespace faultline::monitor {

inline constexpr std::string_view kBindingName = "__faultlineEvent";

// The script for Page.addScriptToEvaluateOnNewDocument.
std::string_view interaction_script();

// Turns a binding payload into (type, data), or nullopt when it is not a valid interaction.
std::optional<std::pair<std::string, std::string>> interaction_event(const NavContext& c,
                                                                     std::string_view payload);

// At most one event per (session, type) per interval.
class RateLimiter {
  public:
    explicit RateLimiter(int64_t interval_ms) : interval_(interval_ms) {}
    bool allow(const std::string& key, int64_t now_ms);
    void clear() { last_.clear(); }

  private:
    int64_t interval_;
    std::map<std::string, int64_t> last_;
};

}  // namespace faultline::monitor
