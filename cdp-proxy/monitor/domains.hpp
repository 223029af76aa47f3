// Which CDP domains the monitor enables on an attached session, from the captured categories:
// only what the active categories need.
#pragma once

#include <string>
#include <vector>

namespace faultline::monitor {

enum Domain : unsigned {
    kRuntime = 1,       // console_*, exceptions, the interaction binding
    kNetwork = 2,       // network_*, and network idle for page_navigation_settled
    kPage = 4,          // navigation context, page_* lifecycle, screenshots on load
    kTimeline = 8,      // page_layout_shift, page_lcp, layout settled
    kInteraction = 16,  // the injected script and its binding
};

struct Capture {
    bool console = false, network = false, page = false, interaction = false, screenshot = false;
    bool any() const { return console || network || page || interaction || screenshot; }
};

inline Capture capture_of(const std::vector<std::string>& categories) {
    Capture c;
    for (const auto& s : categories) {
        c.console |= s == "console";
        c.network |= s == "network";
        c.page |= s == "page";
        c.interaction |= s == "interaction";
        c.screenshot |= s == "screenshot";
    }
    return c;
}

// The domains a target of this type needs (workers have no Page domain). Page is on for any
// capture: every event's navigation context (url, loader, nav_seq) comes from its lifecycle
// events, network_idle is armed by a navigation, and the injected script needs it; page_*
// events themselves are published only when `page` is captured.
inline unsigned domains_for(const Capture& c, bool has_page) {
    unsigned d = 0;
    if (c.console || c.interaction || c.screenshot) d |= kRuntime;
    if (c.network || c.page) d |= kNetwork;
    if (has_page && c.any()) d |= kPage;
    if (has_page && c.page) d |= kTimeline;
    if (has_page && c.interaction) d |= kInteraction;
    return d;
}

}  // namespace faultline::monitor
