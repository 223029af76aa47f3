// One readable terminal line per event envelope: local time, seq, type (coloured by category
// on a terminal) and the fields that matter for that type, in human units, then the source and
// a short target id. Used by faultline-tail (and so run-local.sh); it is fed whatever the
// stream carries and never fails: text that is not an envelope prints as it is, made safe.
#pragma once

#include <fmt/format.h>
#include <simdjson.h>

#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <string>
#include <string_view>

#include "faultline/schema.hpp"
#include "tools/event_summary.hpp"

namespace faultline::tail {

// "HH:MM:SS" in local time from an RFC 3339 UTC timestamp; the raw text when it is not one.
inline std::string local_clock(std::string_view ts) {
    std::tm tm{};
    std::string s(ts.substr(0, 64));
    if (!strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) return clean_text(s, 32);
    time_t t = timegm(&tm);
    std::tm local{};
    localtime_r(&t, &local);
    return fmt::format("{:02}:{:02}:{:02}", local.tm_hour, local.tm_min, local.tm_sec);
}

// The ANSI colour of an event's type: failures red, cdp magenta, browser content by category.
inline std::string_view type_colour(std::string_view type, std::string_view category) {
    if (type == "system_oom_kill" || type == "page_crashed" || type == "service_crashed")
        return "\033[1;31m";
    if (category == "system") return "\033[33m";
    if (category == "cdp") return "\033[35m";
    if (category == "network") return "\033[36m";
    if (category == "console") return "\033[32m";
    if (category == "page" || category == "interaction") return "\033[34m";
    return "\033[90m";
}

// Colour only on a terminal, and not when NO_COLOR is set (https://no-color.org).
inline bool stdout_wants_colour() {
    const char* no_colour = std::getenv("NO_COLOR");
    return isatty(STDOUT_FILENO) && !(no_colour && *no_colour);
}

class EventLineFormatter {
  public:
    // colour: ANSI colours (only when stdout is a terminal and NO_COLOR is unset).
    explicit EventLineFormatter(bool colour = false) : colour_(colour) {}

    std::string format(std::string_view json) {
        simdjson::dom::object env;
        if (parser_.parse(json.data(), json.size()).get(env)) return clean_text(json, 400);
        std::string_view ts, type, category;
        if (env["ts"].get(ts) || env["type"].get(type)) return clean_text(json, 400);
        uint64_t seq = 0;
        if (env["seq"].get(seq)) seq = 0;
        if (env["category"].get(category)) {
            const auto* spec = find_event_spec(type);
            category = spec ? spec->category : std::string_view();
        }
        std::string summary_text, tab;
        if (simdjson::dom::object data; !env["data"].get(data)) {
            Fields f(data);
            if (type == "system_oom_kill")
                if (auto name = f.str("process_name")) ooms_.remember(seq, *name);
            summary_text = summary(type, f, ooms_);
            if (auto target = f.str("target_id")) tab = short_id(*target);
        }
        const std::string type_text = clean_text(type, 40);
        std::string line = fmt::format("{} {:>6} ", local_clock(ts), seq);
        if (colour_)
            fmt::format_to(std::back_inserter(line), "{}{:<24}\033[0m", type_colour(type, category),
                           type_text);
        else
            fmt::format_to(std::back_inserter(line), "{:<24}", type_text);
        line += summary_text.empty() ? "" : " " + summary_text;
        std::string_view source;
        if (!env["source"]["kind"].get(source) || !tab.empty()) {
            std::string tag = clean_text(source, 20);
            if (!tab.empty()) tag += (tag.empty() ? "" : " ") + tab;
            line += colour_ ? "  \033[2m[" + tag + "]\033[0m" : "  [" + tag + "]";
        }
        return line;
    }

  private:
    simdjson::dom::parser parser_;
    OomNames ooms_;
    bool colour_;
};

}  // namespace faultline::tail
