#include "proxy/json_endpoints.hpp"

#include <httplib.h>

#include "cdp/ws_handshake.hpp"
#include "faultline/json_writer.hpp"

namespace faultline::proxy {

HttpReply json_error(int status, std::string_view message) {
    HttpReply r;
    r.status = status;
    r.body = faultline::JsonObject().add("error", message).finish() + "\n";
    return r;
}

std::string serialize_reply(const HttpReply& reply) {
    std::string out =
        fmt::format("HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n", reply.status,
                    cdp::reason_phrase(reply.status), reply.content_type, reply.body.size());
    for (const auto& h : reply.headers) out += h.name + ": " + h.value + "\r\n";
    out += "Connection: close\r\n\r\n";
    out += reply.body;
    return out;
}

std::variant<JsonRoute, HttpReply> route_json_request(const cdp::HttpRequest& req) {
    std::string_view path = req.path;
    const std::string query = cdp::strip_token_param(req.query);
    auto with_query = [&](std::string p) { return query.empty() ? p : p + "?" + query; };
    auto get_only = [&](JsonRoute r) -> std::variant<JsonRoute, HttpReply> {
        if (req.method != "GET") return json_error(405, "use GET for " + std::string(path));
        return r;
    };
    if (path == "/json" || path == "/json/" || path == "/json/list" || path == "/json/list/")
        return get_only({with_query("/json/list"), true, false});
    if (path == "/json/version" || path == "/json/version/")
        return get_only({"/json/version", true, true});
    if (path == "/json/protocol" || path == "/json/protocol/")
        return get_only({"/json/protocol", false, false});
    if (path == "/json/new") {
        // Chromium itself answers a GET with its 405 ("use PUT"); pass both through.
        if (req.method != "PUT" && req.method != "GET")
            return json_error(405, "use PUT for /json/new");
        return JsonRoute{with_query("/json/new"), true, false};
    }
    for (std::string_view prefix : {"/json/activate/", "/json/close/"}) {
        if (path.starts_with(prefix) && path.size() > prefix.size())
            return get_only({std::string(path), false, false});
    }
    return json_error(404, "unknown DevTools endpoint " + std::string(path) +
                               " (served: /json/version, /json, /json/list, /json/protocol, "
                               "/json/new, /json/activate/<id>, /json/close/<id>)");
}

HttpReply relay_json_request(const cdp::HttpRequest& req, const JsonRoute& route,
                             cdp::UpstreamDiscovery& discovery, const PublicEndpoint& endpoint) {
    cdp::UpstreamSnapshot snap = discovery.current();
    std::string authority = snap.url ? snap.url->authority : discovery.configured_upstream();
    HostPort address;
    std::string error;
    if (authority.empty() || !parse_host_port(authority, address, error))
        return json_error(503, "no Chromium DevTools endpoint known yet");
    httplib::Client client(address.host, address.port);
    client.set_connection_timeout(std::chrono::seconds(2));
    client.set_read_timeout(std::chrono::seconds(30));
    client.set_url_encode(false);  // forward the target exactly (e.g. /json/new?<url>)
    client.set_keep_alive(false);
    const httplib::Headers headers = {{"Host", authority}};
    auto res = req.method == "PUT" ? client.Put(route.upstream_target, headers, std::string(), "")
                                   : client.Get(route.upstream_target, headers);
    if (!res) {
        discovery.report_failure();
        if (!snap.url)
            return json_error(
                503, "no Chromium DevTools endpoint known yet (" + authority + " did not answer)");
        return json_error(502, "Chromium at " + authority +
                                   " did not answer: " + httplib::to_string(res.error()));
    }
    HttpReply reply;
    reply.status = res->status;
    reply.content_type = res->get_header_value("Content-Type");
    if (reply.content_type.empty()) reply.content_type = "text/plain";
    for (const char* name : {"Content-Security-Policy", "X-Frame-Options"})
        if (res->has_header(name)) reply.headers.push_back({name, res->get_header_value(name)});
    if (route.is_version && res->status == 200 && !discovery.follows_log())
        if (auto url = cdp::version_ws_url(res->body)) discovery.offer(*url);
    std::optional<std::string> rewritten;
    if (route.rewrite && res->status == 200) rewritten = rewrite_devtools_json(res->body, endpoint);
    reply.body = rewritten ? std::move(*rewritten) : std::move(res->body);
    return reply;
}

}  // namespace faultline::proxy
