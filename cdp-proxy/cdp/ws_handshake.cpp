#include "cdp/ws_handshake.hpp"

#include <cctype>

namespace faultline::cdp {

namespace {

bool is_base64_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/';
}

// A Sec-WebSocket-Key must be the base64 encoding of 16 bytes: 22 chars + "==".
bool valid_key(std::string_view key) {
    if (key.size() != 24 || key.substr(22) != "==") return false;
    for (size_t i = 0; i < 22; ++i)
        if (!is_base64_char(key[i])) return false;
    // The last data char carries 2 bits + 4 zero bits: one of A, Q, g, w.
    return std::string_view("AQgw").find(key[21]) != std::string_view::npos;
}

bool valid_id(std::string_view id) {
    for (char c : id)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.')
            return false;
    return true;
}

}  // namespace

bool is_websocket_upgrade(const HttpRequest& req) {
    const std::string* upgrade = req.header("Upgrade");
    const std::string* connection = req.header("Connection");
    return upgrade && connection && header_has_token(*upgrade, "websocket") &&
           header_has_token(*connection, "upgrade");
}

std::optional<HttpError> check_websocket_upgrade(const HttpRequest& req) {
    if (req.method != "GET") return HttpError{400, "a WebSocket upgrade must use GET"};
    if (req.minor_version < 1) return HttpError{400, "a WebSocket upgrade needs HTTP/1.1"};
    const std::string* key = req.header("Sec-WebSocket-Key");
    if (!key) return HttpError{400, "missing Sec-WebSocket-Key header"};
    if (!valid_key(*key))
        return HttpError{400, "invalid Sec-WebSocket-Key (expected base64 of 16 bytes)"};
    const std::string* version = req.header("Sec-WebSocket-Version");
    if (!version) return HttpError{426, "missing Sec-WebSocket-Version header (expected 13)"};
    if (*version != "13")
        return HttpError{426, "unsupported Sec-WebSocket-Version '" + *version + "' (expected 13)"};
    return std::nullopt;
}

std::optional<DevtoolsPath> parse_devtools_path(std::string_view path) {
    constexpr std::string_view browser = "/devtools/browser", page = "/devtools/page/";
    if (path == browser) return DevtoolsPath{DevtoolsPath::Kind::browser, ""};
    if (path.starts_with(browser) && path[browser.size()] == '/') {
        std::string_view id = path.substr(browser.size() + 1);
        if (!valid_id(id)) return std::nullopt;
        return DevtoolsPath{DevtoolsPath::Kind::browser, std::string(id)};
    }
    if (path.starts_with(page)) {
        std::string_view id = path.substr(page.size());
        if (id.empty() || !valid_id(id)) return std::nullopt;
        return DevtoolsPath{DevtoolsPath::Kind::page, std::string(id)};
    }
    return std::nullopt;
}

std::string strip_token_param(std::string_view query) {
    std::string out;
    while (!query.empty()) {
        size_t amp = query.find('&');
        std::string_view part = query.substr(0, amp);
        if (!part.empty() && part != "token" && !part.starts_with("token=")) {
            if (!out.empty()) out.push_back('&');
            out.append(part);
        }
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return out;
}

std::optional<std::string> token_param(std::string_view query) {
    while (!query.empty()) {
        size_t amp = query.find('&');
        std::string_view part = query.substr(0, amp);
        if (part.starts_with("token=")) return std::string(part.substr(6));
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return std::nullopt;
}

std::string build_upstream_handshake(const HttpRequest& req, std::string_view upstream_target,
                                     std::string_view upstream_host, bool drop_authorization) {
    std::string out;
    out.reserve(req.head_size + 64);
    out.append("GET ").append(upstream_target).append(" HTTP/1.1\r\nHost: ");
    out.append(upstream_host).append("\r\n");
    for (const auto& h : req.headers) {
        // No permessage-deflate: Chromium then sends plain frames, whose heads the relay can
        // read for cdp_command (control) and Inspector.detached (target_closed).
        if (iequals(h.name, "Host") || iequals(h.name, "Origin") ||
            iequals(h.name, "Sec-WebSocket-Extensions"))
            continue;
        if (drop_authorization && iequals(h.name, "Authorization")) continue;
        out.append(h.name).append(": ").append(h.value).append("\r\n");
    }
    out.append("\r\n");
    return out;
}

}  // namespace faultline::cdp
