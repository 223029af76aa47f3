#include "proxy/json_rewrite.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <vector>

#include "faultline/json_writer.hpp"

namespace faultline::proxy {

namespace {

struct Replacement {
    size_t offset = 0, length = 0;
    std::string text;  // a complete JSON string literal
};

// Length of the JSON string literal starting at s[0] == '"' (including both quotes), or 0.
size_t string_literal_length(std::string_view s) {
    if (s.empty() || s[0] != '"') return 0;
    for (size_t i = 1; i < s.size(); ++i) {
        if (s[i] == '\\')
            ++i;
        else if (s[i] == '"')
            return i + 1;
    }
    return 0;
}

// Rewrites the two known fields of one object, recording replacements by input offset.
bool rewrite_object(simdjson::ondemand::object obj, const char* base, const PublicEndpoint& ep,
                    std::vector<Replacement>& out) {
    for (auto field : obj) {
        std::string_view key;
        if (field.unescaped_key().get(key)) return false;
        const bool ws = key == "webSocketDebuggerUrl", fe = key == "devtoolsFrontendUrl";
        simdjson::ondemand::value v;
        if (field.value().get(v)) return false;
        if (!ws && !fe) continue;  // skipped by the iterator
        std::string_view raw = v.raw_json_token();
        std::string_view value;
        if (v.get_string().get(value)) continue;  // not a string: leave it
        std::optional<std::string> updated =
            ws ? rewrite_ws_url(value, ep) : rewrite_frontend_url(value, ep);
        size_t len = string_literal_length(raw);
        if (!updated || len == 0) continue;
        out.push_back({static_cast<size_t>(raw.data() - base), len, json_string(*updated)});
    }
    return true;
}

bool host_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view(".-_:[]").find(c) != std::string_view::npos;
}

}  // namespace

bool is_valid_host_header(std::string_view host) {
    return !host.empty() && host.size() <= 255 && std::all_of(host.begin(), host.end(), host_char);
}

std::optional<std::string> rewrite_ws_url(std::string_view url, const PublicEndpoint& ep) {
    size_t scheme_end = url.starts_with("ws://") ? 5 : url.starts_with("wss://") ? 6 : 0;
    if (!scheme_end) return std::nullopt;
    size_t slash = url.find('/', scheme_end);
    if (slash == std::string_view::npos) return std::nullopt;
    std::string out = ep.secure ? "wss://" : "ws://";
    out.append(ep.host).append(url.substr(slash));
    if (!ep.ws_query.empty())
        out.append(out.find('?') == std::string::npos ? "?" : "&").append(ep.ws_query);
    return out;
}

std::optional<std::string> rewrite_frontend_url(std::string_view url, const PublicEndpoint& ep) {
    size_t q = url.find('?');
    if (q == std::string_view::npos) return std::nullopt;
    // Find a parameter named ws or wss.
    size_t pos = q + 1;
    while (pos < url.size()) {
        size_t amp = url.find('&', pos);
        size_t end = amp == std::string_view::npos ? url.size() : amp;
        std::string_view param = url.substr(pos, end - pos);
        size_t name_len = param.starts_with("ws=") ? 3 : param.starts_with("wss=") ? 4 : 0;
        if (name_len) {
            std::string_view value = param.substr(name_len);
            size_t slash = value.find('/');
            if (slash == std::string_view::npos) return std::nullopt;
            std::string out(url.substr(0, pos));
            out.append(ep.secure ? "wss=" : "ws=").append(ep.host).append(value.substr(slash));
            out.append(url.substr(end));
            return out;
        }
        pos = end + 1;
    }
    return std::nullopt;
}

std::optional<std::string> rewrite_devtools_json(std::string_view json, const PublicEndpoint& ep) {
    simdjson::padded_string padded(json);
    simdjson::ondemand::parser parser;
    simdjson::ondemand::document doc;
    if (parser.iterate(padded).get(doc)) return std::nullopt;
    const char* base = padded.data();
    std::vector<Replacement> reps;
    simdjson::ondemand::json_type type;
    if (doc.type().get(type)) return std::nullopt;
    if (type == simdjson::ondemand::json_type::object) {
        simdjson::ondemand::object obj;
        if (doc.get_object().get(obj) || !rewrite_object(obj, base, ep, reps)) return std::nullopt;
    } else if (type == simdjson::ondemand::json_type::array) {
        simdjson::ondemand::array arr;
        if (doc.get_array().get(arr)) return std::nullopt;
        for (auto element : arr) {
            simdjson::ondemand::object obj;
            if (element.get_object().get(obj) || !rewrite_object(obj, base, ep, reps))
                return std::nullopt;
        }
    } else {
        return std::nullopt;
    }
    // Reject trailing content after the document.
    const char* end = nullptr;
    if (doc.current_location().get(end) == simdjson::SUCCESS) {
        std::string_view rest(end, static_cast<size_t>(base + json.size() - end));
        if (rest.find_first_not_of(" \t\r\n") != std::string_view::npos) return std::nullopt;
    }
    std::string out;
    out.reserve(json.size() + reps.size() * 16);
    size_t at = 0;
    for (const auto& r : reps) {
        out.append(json.substr(at, r.offset - at)).append(r.text);
        at = r.offset + r.length;
    }
    out.append(json.substr(at));
    return out;
}

}  // namespace faultline::proxy
