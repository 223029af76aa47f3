#include "hub/oom_link.hpp"

#include <fmt/format.h>
#include <simdjson.h>

namespace faultline::hub {

namespace {

constexpr size_t kMaxKills = 64;
constexpr int64_t kPidMatchMs = 120000;  // a pid match is trusted much further back

bool is_chromium_comm(std::string_view comm) {
    return comm.find("chrom") != std::string_view::npos;  // chromium, chrome, chromium-browse
}

// Drops the oldest beyond the last kMaxKills.
template <class Q>
void keep_last(Q& q) {
    if (q.size() > kMaxKills) q.pop_front();
}

// Writes the hub's fields first in a data object: {<fields>,<the producer's fields>}.
void prepend_fields(std::string& data, const std::string& fields) {
    if (data.empty() || data.front() != '{') return;
    const bool empty = data.find_first_not_of(" \t\r\n", 1) == data.rfind('}');
    data = "{" + fields + (empty ? "}" : "," + data.substr(1));
}

}  // namespace

std::string human_kib(int64_t kib) {
    if (kib >= 1024 * 1024) return fmt::format("{:.1f} GiB", kib / (1024.0 * 1024.0));
    if (kib >= 1024) return fmt::format("{} MiB", kib / 1024);
    return fmt::format("{} KiB", kib);
}

std::optional<LinkFields> read_link_fields(const Event& e) {
    const bool crash = e.type == "page_crashed";
    if (!crash && e.type != "system_oom_kill") return std::nullopt;
    thread_local simdjson::dom::parser parser;  // one per thread, reused
    simdjson::dom::object o;
    if (parser.parse(e.data).get_object().get(o)) return std::nullopt;
    LinkFields f;
    auto str = [&](std::string_view key, std::string& out) {
        std::string_view v;
        if (!o[key].get_string().get(v)) out = v;
    };
    auto has = [&](std::string_view key) { return o[key].error() == simdjson::SUCCESS; };
    if (o[crash ? "renderer_pid" : "pid"].get_int64().get(f.pid)) f.pid = 0;
    if (crash) {
        str("url", f.url);
        str("status", f.status);
        f.linked = has("oom_kill_seq");
        f.described = has("message");
        f.has_how = has("oom_link");
        f.has_anon_rss = has("oom_anon_rss_kb");
    } else {
        str("process_name", f.process_name);
        if (o["anon_rss_kb"].get_int64().get(f.anon_rss_kb)) f.anon_rss_kb = -1;
        f.linked = has("page_crashed_seq");
    }
    return f;
}

void OomLink::remember(std::string_view type, const LinkFields& f, uint64_t seq, int64_t now_ms) {
    if (!seq) return;
    if (type == "page_crashed") {
        if (f.pid > 0 && (f.status.empty() || f.status == "killed") && !f.linked) {
            unlinked_crashes_.push_back({f.pid, now_ms, seq});
            keep_last(unlinked_crashes_);
        }
        return;
    }
    if (type != "system_oom_kill") return;
    kills_.push_back({f.pid, f.process_name, now_ms, seq, f.anon_rss_kb, f.linked});
    keep_last(kills_);
}

void OomLink::remember(const Event& e, uint64_t seq, int64_t now_ms) {
    if (auto f = read_link_fields(e)) remember(e.type, *f, seq, now_ms);
}

OomLink::Kill* OomLink::match(int64_t renderer_pid, int64_t now_ms, std::string_view& how) {
    if (renderer_pid > 0)
        for (auto it = kills_.rbegin(); it != kills_.rend(); ++it)
            if (it->pid == renderer_pid && now_ms - it->at_ms <= kPidMatchMs) {
                how = "pid";
                return &*it;
            }
    for (auto it = kills_.rbegin(); it != kills_.rend(); ++it)
        if (!it->linked && is_chromium_comm(it->process_name) && now_ms - it->at_ms <= window_ms_) {
            how = "recent_chromium_kill";
            return &*it;
        }
    return nullptr;
}

void OomLink::annotate(Event& e, LinkFields& f, int64_t now_ms) {
    if (e.type == "page_crashed") return annotate_crash(e, f, now_ms);
    if (e.type == "system_oom_kill") return annotate_kill(e, f, now_ms);
}

void OomLink::annotate(Event& e, int64_t now_ms) {
    if (auto f = read_link_fields(e)) annotate(e, *f, now_ms);
}

// A kill that came after its crash was recorded: the kill names the crash.
void OomLink::annotate_kill(Event& e, LinkFields& f, int64_t now_ms) {
    if (f.pid <= 0 || f.linked) return;
    for (auto it = unlinked_crashes_.rbegin(); it != unlinked_crashes_.rend(); ++it)
        if (it->renderer_pid == f.pid && now_ms - it->at_ms <= window_ms_) {
            prepend_fields(e.data, fmt::format("\"page_crashed_seq\":{}", it->seq));
            f.linked = true;
            unlinked_crashes_.erase(std::next(it).base());
            return;
        }
}

void OomLink::annotate_crash(Event& e, LinkFields& f, int64_t now_ms) {
    if (f.linked || f.described) return;  // the producer already linked or described it
    const std::string page = f.url.empty() ? "a page" : "page " + f.url;
    JsonObject fields;
    std::string message;
    std::string_view how;
    // The kernel's OOM kill is a SIGKILL: a renderer that crashed by itself was not killed.
    const bool killed = f.status.empty() || f.status == "killed";
    if (Kill* k = killed ? match(f.pid, now_ms, how) : nullptr) {
        k->linked = true;
        f.linked = true;
        fields.add("oom_kill_seq", k->seq);
        if (!f.has_how) fields.add("oom_link", how);
        message = fmt::format(
            "{} crashed because the kernel OOM killer killed its renderer (pid {})", page, k->pid);
        if (k->anon_rss_kb >= 0) {
            if (!f.has_anon_rss) fields.add("oom_anon_rss_kb", k->anon_rss_kb);
            message += fmt::format(", which had {} anonymous memory", human_kib(k->anon_rss_kb));
        }
    } else {
        message =
            fmt::format("{} crashed: its renderer {}", page,
                        f.status == "killed" ? "was killed" : "terminated (" + f.status + ")");
    }
    fields.add("message", message);
    f.described = true;
    std::string obj = fields.finish();  // {...}: its inside goes first in data
    prepend_fields(e.data, obj.substr(1, obj.size() - 2));
}

}  // namespace faultline::hub
