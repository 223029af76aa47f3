#include "hub/sinks/nats/subject.hpp"

#include <fmt/format.h>

#include "faultline/host_port.hpp"

namespace faultline::hub::sinks::nats {

namespace {
bool special(unsigned char c) {
    return c == '.' || c == '*' || c == '>' || c <= ' ' || c == 0x7f;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    size_t start = 0;
    while (true) {
        const size_t at = s.find(sep, start);
        out.push_back(s.substr(start, at == std::string_view::npos ? s.npos : at - start));
        if (at == std::string_view::npos) return out;
        start = at + 1;
    }
}

// HOST[:PORT] or [V6][:PORT] (4222 by default), optionally after user[:password]@.
bool valid_server_authority(std::string_view authority, std::string& why) {
    if (const size_t at = authority.rfind('@'); at != authority.npos)
        authority = authority.substr(at + 1);
    for (unsigned char c : authority)
        if (c == '*' || c == '>' || c < ' ' || c == 0x7f)
            return why = "a host holds no '*', '>' or control characters", false;
    HostPort hp;
    return parse_authority(authority, 4222, hp, why);
}
}  // namespace

std::string subject_token(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (unsigned char c : text) out.push_back(special(c) ? '_' : static_cast<char>(c));
    return out.empty() ? "_" : out;
}

std::string event_subject(std::string_view prefix, std::string_view host, std::string_view category,
                          std::string_view type) {
    return fmt::format("{}.{}.{}.{}", prefix, subject_token(host), category, type);
}

bool subject_matches(std::string_view filter, std::string_view subject) {
    const auto f = split(filter, '.');
    const auto s = split(subject, '.');
    for (size_t i = 0; i < f.size(); ++i) {
        if (f[i] == ">") return i < s.size();
        if (i >= s.size()) return false;
        if (f[i] != "*" && f[i] != s[i]) return false;
    }
    return f.size() == s.size();
}

bool valid_subject_prefix(std::string_view prefix, std::string& error) {
    for (std::string_view t : split(prefix, '.')) {
        bool ok = !t.empty();
        for (unsigned char c : t) ok = ok && !special(c);
        if (!ok) {
            error = fmt::format(
                "'{}' is not a subject prefix: dot-separated tokens without spaces, '*' or '>'",
                prefix);
            return false;
        }
    }
    return true;
}

bool parse_server_list(std::string_view list, std::vector<std::string>& urls, std::string& error) {
    urls.clear();
    for (std::string_view item : split(list, ',')) {
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        std::string_view rest = item;
        if (const size_t scheme = rest.find("://"); scheme != rest.npos) {
            const std::string_view name = rest.substr(0, scheme);
            if (name != "nats" && name != "tls") {
                error = fmt::format("'{}': the scheme must be nats:// or tls://", item);
                return false;
            }
            rest.remove_prefix(scheme + 3);
        }
        if (rest.ends_with('/')) rest.remove_suffix(1);
        if (std::string why; !valid_server_authority(rest, why)) {
            error = fmt::format("'{}' is not a NATS server URL (nats://HOST:PORT): {}", item, why);
            return false;
        }
        urls.emplace_back(item);
    }
    return true;
}

}  // namespace faultline::hub::sinks::nats
