// The few data fields a person wants first, per event type, as plain text: the URL of page
// events, method/status/URL/duration of network events, level and text of console events, the
// linked OOM kill of a page crash, and so on. Missing or oddly typed fields are left out.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tools/line_text.hpp"
#include "tools/oom_names.hpp"
#include "tools/units.hpp"

namespace faultline::tail {

// Typed, failure-free reads of one data object.
class Fields {
  public:
    explicit Fields(simdjson::dom::object o) : o_(o) {}

    std::optional<std::string_view> str(const char* key) const {
        std::string_view v;
        if (o_.at_key(key).get(v)) return std::nullopt;
        return v;
    }
    // Any JSON number.
    std::optional<double> num(const char* key) const {
        double v;
        if (o_.at_key(key).get_double().get(v)) return std::nullopt;
        return v;
    }
    // An integer, printed exactly.
    std::optional<std::string> integer(const char* key) const {
        simdjson::dom::element e;
        if (o_.at_key(key).get(e)) return std::nullopt;
        if (int64_t i; !e.get_int64().get(i)) return fmt::format("{}", i);
        if (uint64_t u; !e.get_uint64().get(u)) return fmt::format("{}", u);
        return std::nullopt;
    }
    std::optional<bool> boolean(const char* key) const {
        bool v;
        if (o_.at_key(key).get(v)) return std::nullopt;
        return v;
    }
    // An array of strings joined with ",".
    std::string list(const char* key) const {
        simdjson::dom::array a;
        std::string out;
        if (o_.at_key(key).get(a)) return out;
        for (auto item : a) {
            std::string_view s;
            if (item.get(s)) continue;
            if (!out.empty()) out.push_back(',');
            out += s;
        }
        return clean_text(out, 80);
    }
    simdjson::dom::object object() const { return o_; }

  private:
    simdjson::dom::object o_;
};

// Space-separated pieces; empty pieces are skipped.
class Pieces {
  public:
    Pieces& add(std::string_view piece) {
        if (piece.empty()) return *this;
        if (!text_.empty()) text_.push_back(' ');
        text_ += piece;
        return *this;
    }
    template <typename T, typename F>
    Pieces& add_if(const std::optional<T>& v, F&& render) {
        if (v) add(render(*v));
        return *this;
    }
    std::string text() const { return text_; }

  private:
    std::string text_;
};

inline constexpr size_t kUrlMax = 80;

// A URL cut to fit; a data: URL (a whole document inline) only to its start.
inline std::string url_text(std::string_view u) {
    return clean_text(u, u.starts_with("data:") ? 40 : kUrlMax);
}
inline std::string url_of(const Fields& f, const char* key = "url") {
    auto u = f.str(key);
    return u ? url_text(*u) : std::string();
}
// scheme://host:port of an endpoint URL (the monitor's ws://.../devtools/browser/<uuid>).
inline std::string endpoint_of(std::string_view u) {
    const size_t scheme = u.find("://");
    const size_t path = scheme == std::string_view::npos ? scheme : u.find('/', scheme + 3);
    return clean_text(u.substr(0, path), 60);
}
inline auto text_piece(size_t max = 120) {
    return [max](std::string_view s) { return clean_text(s, max); };
}
inline auto labelled(std::string_view label) {
    return [label](std::string_view s) { return fmt::format("{} {}", label, clean_text(s, 60)); };
}

inline std::string oom_kill(const Fields& f) {
    Pieces p;
    p.add_if(f.integer("pid"), [](auto& s) { return "pid " + s; });
    p.add_if(f.str("process_name"), [](auto s) { return "(" + clean_text(s, 40) + ")"; });
    std::optional<double> rss;
    for (const char* k : {"anon_rss_kb", "file_rss_kb", "shmem_rss_kb"})
        if (auto v = f.num(k)) rss = rss.value_or(0) + *v;
    p.add_if(rss, [](double v) { return "rss " + format_kib(v); });
    auto memcg = f.str("oom_memcg");
    if (!memcg || memcg->empty() || *memcg == "/") memcg = f.str("task_memcg");
    if (!memcg || memcg->empty() || *memcg == "/") memcg = f.str("cgroup");
    if (memcg && !memcg->empty() && *memcg != "/") p.add("memcg " + clean_text(*memcg, 60));
    if (auto by = f.str("detected_by"); by && *by != "kmsg") p.add(labelled("detected_by")(*by));
    if (auto victim = f.str("victim"); victim && *victim != "kernel_report")
        p.add(labelled("victim")(*victim));
    p.add_if(f.integer("page_crashed_seq"), [](auto& s) { return "page_crashed #" + s; });
    return p.text();
}

inline std::string memory_pressure(const Fields& f) {
    Pieces p;
    auto from = f.str("previous_level"), to = f.str("level");
    if (from && to)
        p.add(clean_text(*from, 20) + " -> " + clean_text(*to, 20));
    else
        p.add_if(to, text_piece(20));
    if (auto reasons = f.list("reasons"); !reasons.empty()) p.add("(" + reasons + ")");
    auto avail = f.num("mem_available_kb"), total = f.num("mem_total_kb");
    if (avail) p.add("avail " + format_kib(*avail) + (total ? " of " + format_kib(*total) : ""));
    auto swap_free = f.num("swap_free_kb"), swap_total = f.num("swap_total_kb");
    if (swap_free && swap_total && *swap_total > 0)
        p.add("swap free " + format_kib(*swap_free) + " of " + format_kib(*swap_total));
    p.add_if(f.num("eta_seconds"), [](double s) { return "eta " + format_seconds(s); });
    if (auto some = f.num("psi_some_avg10")) {
        auto full = f.num("psi_full_avg10");
        p.add(full ? fmt::format("psi {:.1f}/{:.1f}%", *some, *full)
                   : fmt::format("psi {:.1f}%", *some));
    }
    if (auto scope = f.str("scope"); scope && *scope == "cgroup")
        p.add_if(f.str("cgroup"), labelled("cgroup"));
    return p.text();
}

inline std::string events_dropped(const Fields& f) {
    Pieces p;
    p.add_if(f.integer("count"), [](auto& s) { return s + " events"; });
    p.add_if(f.str("reason"), text_piece(30));
    auto from = f.integer("from_seq"), to = f.integer("to_seq");
    if (from && to)
        p.add("#" + *from + "..#" + *to);
    else
        p.add_if(from, [](auto& s) { return "from #" + s; });
    return p.text();
}

inline std::string page_crashed(const Fields& f, const OomNames& ooms) {
    Pieces p;
    p.add(url_of(f));
    p.add_if(f.str("status"), text_piece(20));
    if (auto seq = f.integer("oom_kill_seq")) {
        std::string link = "oom_kill #" + *seq;
        if (auto name = ooms.find(std::strtoull(seq->c_str(), nullptr, 10)))
            link += " (" + clean_text(*name, 40) + ")";
        p.add(link);
    }
    return p.text();
}

inline std::string network(std::string_view type, const Fields& f) {
    Pieces p;
    if (type == "network_loading_failed") {
        p.add_if(f.str("error_text"), text_piece(40));
        if (f.boolean("canceled").value_or(false)) p.add("(canceled)");
        return p.add(url_of(f)).text();
    }
    p.add_if(f.str("method"), text_piece(10));
    p.add_if(f.integer("status"), [](auto& s) { return s; });
    p.add(url_of(f));
    p.add_if(f.num("duration_ms"), format_ms);
    return p.text();
}

inline std::string console(const Fields& f) {
    return Pieces()
        .add_if(f.str("level"), text_piece(12))
        .add_if(f.str("text"), text_piece())
        .text();
}

// Browser page events: the URL first, then what the type itself adds.
inline std::string page(std::string_view type, const Fields& f) {
    Pieces p;
    p.add(url_of(f));
    if (type == "page_tab_opened")
        p.add_if(f.str("title"), [](auto s) {
            return s.empty() ? std::string() : "\"" + clean_text(s, 40) + "\"";
        });
    if (type == "page_layout_shift")
        p.add_if(f.num("value"), [](double v) { return fmt::format("shift {:.3f}", v); });
    if (type == "page_lcp")
        p.add_if(f.num("size"), [](double v) { return fmt::format("area {:.0f} px", v); });
    if (type == "page_navigation_settled") p.add_if(f.str("reason"), text_piece(30));
    return p.text();
}

inline std::string interaction(std::string_view type, const Fields& f) {
    Pieces p;
    if (type == "interaction_scroll_settled") {
        auto x = f.integer("to_x"), y = f.integer("to_y");
        if (x && y) p.add("to " + *x + "," + *y);
        return p.add_if(f.str("target_selector"), text_piece(40)).add(url_of(f)).text();
    }
    p.add_if(f.str("key"), [](auto s) { return "key " + clean_text(s, 20); });
    auto sel = f.str("selector");
    p.add(sel && !sel->empty() ? clean_text(*sel, 40) : clean_text(f.str("tag").value_or(""), 20));
    p.add_if(f.str("text"),
             [](auto s) { return s.empty() ? std::string() : "\"" + clean_text(s, 40) + "\""; });
    return p.add(url_of(f)).text();
}

inline std::string monitor(std::string_view type, const Fields& f) {
    Pieces p;
    if (type == "monitor_screenshot")
        return p.add_if(f.str("trigger"), text_piece(30))
            .add_if(f.num("bytes"), format_bytes)
            .add(url_of(f))
            .text();
    p.add_if(f.str("reason"), text_piece(30)).add_if(f.str("step"), text_piece(40));
    p.add_if(f.num("reconnect_duration_ms"), [](double ms) { return "after " + format_ms(ms); });
    p.add_if(f.integer("attempts"), [](auto& s) { return s + " attempts"; });
    p.add_if(f.str("error"), text_piece(80));
    return p.add_if(f.str("upstream_url"), endpoint_of).text();
}

inline std::string cdp(std::string_view type, const Fields& f) {
    Pieces p;
    if (type == "cdp_command") {
        p.add_if(f.str("method"), text_piece(60));
        p.add_if(f.num("duration_ms"), format_ms);
        p.add_if(f.integer("error_code"), [](auto& s) { return "error " + s; });
        p.add_if(f.str("error_message"), text_piece(80));
    } else if (type == "cdp_connect") {
        p.add_if(f.str("target"), text_piece(20));
        p.add_if(f.str("client_addr"), labelled("from"));
    } else {
        p.add_if(f.str("reason"), text_piece(30));
        p.add_if(f.integer("close_code"), [](auto& s) { return "close " + s; });
        p.add_if(f.num("duration_ms"), [](double ms) { return "after " + format_ms(ms); });
    }
    // The proxy's ids are short ("d88114f4-1"); anything longer is cut to a prefix.
    return p.add_if(f.str("connection_id"), [](auto s) { return "conn " + clean_text(s, 12); })
        .text();
}

// key=value for the scalar fields of a type this file does not know (never raw JSON).
inline std::string generic(const Fields& f) {
    Pieces p;
    for (auto [key, value] : f.object()) {
        std::string v;
        switch (value.type()) {
            case simdjson::dom::element_type::STRING:
                v = clean_text(value.get_string().value(), 40);
                break;
            case simdjson::dom::element_type::ARRAY:
            case simdjson::dom::element_type::OBJECT:
            case simdjson::dom::element_type::NULL_VALUE:
                continue;
            default:
                v = simdjson::minify(value);
        }
        p.add(clean_text(key, 30) + "=" + v);
    }
    return clean_text(p.text(), 160);
}

inline std::string summary(std::string_view type, Fields f, const OomNames& ooms) {
    if (type == "system_oom_kill") return oom_kill(f);
    if (type == "memory_pressure") return memory_pressure(f);
    if (type == "page_crashed") return page_crashed(f, ooms);
    if (type == "events_dropped") return events_dropped(f);
    if (type == "service_crashed") {
        Pieces p;
        auto name = f.str("service_name"), group = f.str("group_name");
        if (name && group && *group != *name)
            p.add(clean_text(*group, 30) + ":" + clean_text(*name, 30));
        else
            p.add_if(name, text_piece(40));
        p.add_if(f.integer("pid"), [](auto& s) { return "pid " + s; });
        p.add_if(f.str("from_state"), labelled("from"));
        if (f.boolean("fatal").value_or(false)) p.add("FATAL (gave up restarting)");
        return p.text();
    }
    if (type == "capture_session_started")
        return Pieces()
            .add(f.list("categories"))
            .add_if(f.str("capture_session_id"), [](auto s) { return "capture " + short_id(s); })
            .text();
    if (type == "session_ended")
        return Pieces()
            .add_if(f.integer("events_captured"), [](auto& s) { return s + " events"; })
            .add_if(f.num("duration_ms"), [](double ms) { return "in " + format_ms(ms); })
            .add_if(f.str("capture_session_id"), [](auto s) { return "capture " + short_id(s); })
            .text();
    if (type.starts_with("live_view_"))
        return Pieces()
            .add_if(f.num("duration_ms"), [](double ms) { return "after " + format_ms(ms); })
            .add_if(f.str("session_id"), [](auto s) { return "viewer " + short_id(s); })
            .text();
    if (type == "captcha_solve_result")
        return Pieces()
            .add_if(f.str("captcha_type"), text_piece(20))
            .add_if(f.str("status"), text_piece(20))
            .add_if(f.num("duration_ms"), format_ms)
            .add_if(f.str("website_host"), text_piece(60))
            .add_if(f.str("error_code"), labelled("error"))
            .text();
    if (type.starts_with("cdp_")) return cdp(type, f);
    if (type.starts_with("network_") && type != "network_idle") return network(type, f);
    if (type.starts_with("console_")) return console(f);
    if (type.starts_with("page_") || type == "network_idle") return page(type, f);
    if (type.starts_with("interaction_")) return interaction(type, f);
    if (type.starts_with("monitor_")) return monitor(type, f);
    return generic(f);
}

}  // namespace faultline::tail
