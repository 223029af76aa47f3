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

int64_t int_field(simdjson::dom::object o, std::string_view key, int64_t missing) {
    int64_t v;
    return o[key].get_int64().get(v) ? missing : v;
}

std::string string_field(simdjson::dom::object o, std::string_view key) {
    std::string_view v;
    return o[key].get_string().get(v) ? std::string() : std::string(v);
}

// Drops the oldest beyond the last kMaxKills.
template <class Q>
void keep_last(Q& q) {
    if (q.size() > kMaxKills) q.pop_front();
}

// Replaces the closing brace of a JSON object with extra + '}'.
void append_fields(std::string& json, std::string_view extra) {
    while (!json.empty() && json.back() != '}') json.pop_back();
    if (json.empty()) return;
    json.pop_back();
    json += extra;
    json.push_back('}');
}

}  // namespace

std::string human_kib(int64_t kib) {
    if (kib >= 1024 * 1024) return fmt::format("{:.1f} GiB", kib / (1024.0 * 1024.0));
    if (kib >= 1024) return fmt::format("{} MiB", kib / 1024);
    return fmt::format("{} KiB", kib);
}

void OomLink::remember(const Event& e, uint64_t seq, int64_t now_ms) {
    if ((e.type != "system_oom_kill" && e.type != "page_crashed") || !seq) return;
    simdjson::dom::object o;
    if (parser_.parse(e.data).get_object().get(o)) return;
    if (e.type == "page_crashed") {
        const int64_t pid = int_field(o, "renderer_pid", 0);
        const std::string status = string_field(o, "status");
        if (pid > 0 && (status.empty() || status == "killed") &&
            o["oom_kill_seq"].error() != simdjson::SUCCESS) {
            unlinked_crashes_.push_back({pid, now_ms, seq});
            keep_last(unlinked_crashes_);
        }
        return;
    }
    Kill k;
    k.pid = int_field(o, "pid", 0);
    k.process_name = string_field(o, "process_name");
    k.anon_rss_kb = int_field(o, "anon_rss_kb", -1);
    k.at_ms = now_ms;
    k.seq = seq;
    k.linked = o["page_crashed_seq"].error() == simdjson::SUCCESS;  // linked from its side
    kills_.push_back(std::move(k));
    keep_last(kills_);
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

void OomLink::annotate(Event& e, int64_t now_ms) {
    if (e.type == "page_crashed") return annotate_crash(e, now_ms);
    if (e.type == "system_oom_kill") return annotate_kill(e, now_ms);
}

// A kill that came after its crash was recorded: the kill names the crash.
void OomLink::annotate_kill(Event& e, int64_t now_ms) {
    simdjson::dom::object o;
    if (parser_.parse(e.data).get_object().get(o)) return;
    const int64_t pid = int_field(o, "pid", 0);
    if (pid <= 0 || o["page_crashed_seq"].error() == simdjson::SUCCESS) return;
    for (auto it = unlinked_crashes_.rbegin(); it != unlinked_crashes_.rend(); ++it)
        if (it->renderer_pid == pid && now_ms - it->at_ms <= window_ms_) {
            append_fields(e.data, fmt::format(",\"page_crashed_seq\":{}", it->seq));
            unlinked_crashes_.erase(std::next(it).base());
            return;
        }
}

void OomLink::annotate_crash(Event& e, int64_t now_ms) {
    simdjson::dom::object o;
    if (parser_.parse(e.data).get_object().get(o)) return;
    if (o["oom_kill_seq"].error() == simdjson::SUCCESS || o["message"].error() == simdjson::SUCCESS)
        return;  // the producer already linked or described it
    const std::string url = string_field(o, "url");
    const std::string status = string_field(o, "status");
    const std::string page = url.empty() ? "a page" : "page " + url;
    std::string extra;
    std::string message;
    std::string_view how;
    // The kernel's OOM kill is a SIGKILL: a renderer that crashed by itself was not killed.
    const bool killed = status.empty() || status == "killed";
    if (Kill* k = killed ? match(int_field(o, "renderer_pid", 0), now_ms, how) : nullptr) {
        k->linked = true;
        extra = fmt::format(",\"oom_kill_seq\":{},\"oom_link\":\"{}\"", k->seq, how);
        message = fmt::format(
            "{} crashed because the kernel OOM killer killed its renderer (pid {})", page, k->pid);
        if (k->anon_rss_kb >= 0) {
            extra += fmt::format(",\"oom_anon_rss_kb\":{}", k->anon_rss_kb);
            message += fmt::format(", which had {} anonymous memory", human_kib(k->anon_rss_kb));
        }
    } else {
        message = fmt::format("{} crashed: its renderer {}", page,
                              status == "killed" ? "was killed" : "terminated (" + status + ")");
    }
    while (!e.data.empty() && e.data.back() != '}') e.data.pop_back();
    e.data.pop_back();  // the closing brace; page_crashed always has target_id, so a comma fits
    e.data += extra + ",\"message\":";
    append_json_string(e.data, message);
    e.data.push_back('}');
}

}  // namespace faultline::hub
