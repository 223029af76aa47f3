#include "oom/parser.hpp"

#include <charconv>

namespace faultline::kmsgmon {
namespace {

// The whole of s as a decimal integer (optional leading '-'). Returns nullopt otherwise.
std::optional<int64_t> to_int(std::string_view s) {
    int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return v;
}

// "123kB" → 123. Returns nullopt for anything else.
std::optional<int64_t> to_kb(std::string_view s) {
    if (!s.ends_with("kB")) return std::nullopt;
    return to_int(s.substr(0, s.size() - 2));
}

bool is_key_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-';
}

// True when s starts with " key:" (the first field after a killed process's comm).
bool starts_with_field(std::string_view s) {
    size_t i = 1;
    while (i < s.size() && is_key_char(s[i])) ++i;
    return s.size() > 1 && s[0] == ' ' && i > 1 && i < s.size() && s[i] == ':';
}

// Splits "a=1, b=2" (separator ", ") into key/value calls. Returns false when a piece has no '='.
template <class F>
bool each_pair(std::string_view s, std::string_view sep, char eq, F&& f) {
    while (!s.empty()) {
        const size_t end = s.find(sep);
        const std::string_view piece = s.substr(0, end);
        const size_t at = piece.find(eq);
        if (at == std::string_view::npos || at == 0) return false;
        if (!f(piece.substr(0, at), piece.substr(at + 1))) return false;
        s = end == std::string_view::npos ? std::string_view() : s.substr(end + sep.size());
    }
    return true;
}

OomLine parse_invoked(std::string_view msg, size_t at) {
    OomInvoked r;
    r.comm = std::string(msg.substr(0, at));
    std::string_view rest = msg.substr(at + std::string_view(" invoked oom-killer: ").size());
    // Fields that do not parse (a truncated line) are left out; the kill line decides.
    each_pair(rest, ", ", '=', [&](std::string_view k, std::string_view v) {
        if (k == "gfp_mask" && v.starts_with("0x")) r.gfp_mask = std::string(v);
        if (k == "order") r.order = to_int(v);
        return true;
    });
    return r;
}

// Where ",key=" starts in s, or npos. pid and uid come last: found from the end, so a comm or
// a cgroup path holding ",pid=" cannot fool us.
size_t key_position(std::string_view s, std::string_view key) {
    const std::string needle = "," + std::string(key) + "=";
    return key == "pid" || key == "uid" ? s.rfind(needle) : s.find(needle);
}

// Values of "oom-kill:" run up to the next ",key=" of a known key only: a cgroup path or a comm
// may itself contain commas. Returns the value of key, or nullopt when absent.
std::optional<std::string_view> constraint_value(std::string_view s, std::string_view key) {
    static constexpr std::string_view kKeys[] = {"constraint",   "nodemask",  "cpuset",
                                                 "mems_allowed", "oom_memcg", "task_memcg",
                                                 "task",         "pid",       "uid"};
    const size_t at = key_position(s, key);
    if (at == std::string_view::npos) return std::nullopt;
    const size_t start = at + key.size() + 2;
    size_t end = s.size();
    for (std::string_view k : kKeys) {
        const size_t next = k == key ? std::string_view::npos : key_position(s, k);
        if (next != std::string_view::npos && next >= start && next < end) end = next;
    }
    return s.substr(start, end - start);
}

OomLine parse_constraint(std::string_view msg) {
    const std::string body = "," + std::string(msg.substr(std::string_view("oom-kill:").size()));
    OomConstraint r;
    auto text = [&](std::string_view key, std::optional<std::string>& out) {
        if (auto v = constraint_value(body, key)) out = std::string(*v);
    };
    text("constraint", r.constraint);
    text("oom_memcg", r.oom_memcg);
    text("task_memcg", r.task_memcg);
    text("task", r.task);
    for (auto [key, out] : {std::pair{"pid", &r.pid}, std::pair{"uid", &r.uid}}) {
        auto v = constraint_value(body, key);
        if (!v) continue;
        *out = to_int(*v);
        if (!*out) return std::monostate{};  // truncated or garbled
    }
    return r;
}

// Reads the " key:value" fields after the comm. Returns false on a malformed field.
bool parse_kill_fields(std::string_view s, OomKilled& r) {
    while (!s.empty()) {
        while (!s.empty() && (s.front() == ' ' || s.front() == ',')) s.remove_prefix(1);
        const size_t end = s.find_first_of(", ");
        const std::string_view tok = s.substr(0, end);
        s = end == std::string_view::npos ? std::string_view() : s.substr(end);
        if (tok.empty()) continue;
        const size_t colon = tok.find(':');
        if (colon == std::string_view::npos || colon == 0) return false;
        const std::string_view k = tok.substr(0, colon), v = tok.substr(colon + 1);
        std::optional<int64_t>* kb = k == "total-vm"    ? &r.total_vm_kb
                                     : k == "anon-rss"  ? &r.anon_rss_kb
                                     : k == "file-rss"  ? &r.file_rss_kb
                                     : k == "shmem-rss" ? &r.shmem_rss_kb
                                     : k == "pgtables"  ? &r.pgtables_kb
                                                        : nullptr;
        std::optional<int64_t>* num = k == "UID"             ? &r.uid
                                      : k == "oom_score_adj" ? &r.oom_score_adj
                                                             : nullptr;
        if (kb && !(*kb = to_kb(v))) return false;
        if (num && !(*num = to_int(v))) return false;
    }
    return true;
}

OomLine parse_killed(std::string_view s) {
    const size_t open = s.find(" (");
    if (open == std::string_view::npos) return std::monostate{};
    auto pid = to_int(s.substr(0, open));
    if (!pid || *pid <= 0) return std::monostate{};
    s.remove_prefix(open + 2);
    // comm ends at the first ')' that is followed by a " key:" field.
    for (size_t close = s.find(')'); close != std::string_view::npos;
         close = s.find(')', close + 1)) {
        const std::string_view rest = s.substr(close + 1);
        if (!starts_with_field(rest)) continue;
        OomKilled r;
        r.pid = *pid;
        r.comm = std::string(s.substr(0, close));
        if (!parse_kill_fields(rest, r)) return std::monostate{};
        return r;
    }
    return std::monostate{};  // no fields after the comm: truncated
}

}  // namespace

OomLine parse_oom_line(std::string_view msg) {
    static constexpr std::string_view kKilled = "Killed process ";
    if (msg.starts_with("oom-kill:")) return parse_constraint(msg);
    if (msg.starts_with(kKilled)) return parse_killed(msg.substr(kKilled.size()));
    // "Out of memory: ", "Memory cgroup out of memory: ", "Out of memory (oom_kill_...): "
    if (size_t at = msg.find(": Killed process ");
        at != std::string_view::npos &&
        msg.substr(0, at).find("of memory") != std::string_view::npos)
        return parse_killed(msg.substr(at + 2 + kKilled.size()));
    if (size_t at = msg.find(" invoked oom-killer: "); at != std::string_view::npos && at > 0)
        return parse_invoked(msg, at);
    return std::monostate{};
}

}  // namespace faultline::kmsgmon
