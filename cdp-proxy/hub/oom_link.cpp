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

}  // namespace

std::string human_kib(int64_t kib) {
    if (kib >= 1024 * 1024) return fmt::format("{:.1f} GiB", kib / (1024.0 * 1024.0));
    if (kib >= 1024) return fmt::format("{} MiB", kib / 1024);
    return fmt::format("{} KiB", kib);
}

void OomLink::remember(const Event& e, uint64_t seq, int64_t now_ms) {
    if (e.type != "system_oom_kill" || !seq) return;
    simdjson::dom::parser parser;
    simdjson::dom::object o;
    if (parser.parse(e.data).get_object().get(o)) return;
    Kill k;
    k.pid = int_field(o, "pid", 0);
    k.process_name = string_field(o, "process_name");
    k.anon_rss_kb = int_field(o, "anon_rss_kb", -1);
    k.at_ms = now_ms;
    k.seq = seq;
    kills_.push_back(std::move(k));
    if (kills_.size() > kMaxKills) kills_.pop_front();
}

OomLink::Kill* OomLink::match(int64_t renderer_pid, int64_t now_ms) {
    if (renderer_pid > 0)
        for (auto it = kills_.rbegin(); it != kills_.rend(); ++it)
            if (it->pid == renderer_pid && now_ms - it->at_ms <= kPidMatchMs) return &*it;
    for (auto it = kills_.rbegin(); it != kills_.rend(); ++it)
        if (!it->linked && is_chromium_comm(it->process_name) && now_ms - it->at_ms <= window_ms_)
            return &*it;
    return nullptr;
}

void OomLink::annotate(Event& e, int64_t now_ms) {
    if (e.type != "page_crashed") return;
    simdjson::dom::parser parser;
    simdjson::dom::object o;
    if (parser.parse(e.data).get_object().get(o)) return;
    if (o["oom_kill_seq"].error() == simdjson::SUCCESS || o["message"].error() == simdjson::SUCCESS)
        return;  // the producer already linked or described it
    const std::string url = string_field(o, "url");
    const std::string status = string_field(o, "status");
    const std::string page = url.empty() ? "a page" : "page " + url;
    std::string extra;
    std::string message;
    if (Kill* k = match(int_field(o, "renderer_pid", 0), now_ms)) {
        k->linked = true;
        extra = fmt::format(",\"oom_kill_seq\":{}", k->seq);
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
