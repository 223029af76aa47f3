// The DevTools HTTP endpoints (/json/version, /json[/list], /json/protocol, PUT /json/new,
// /json/activate/<id>, /json/close/<id>) relayed to Chromium with Chromium's own Host, and the
// DevTools URLs in the answers rewritten to point at the proxy.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "cdp/http_head.hpp"
#include "cdp/upstream_discovery.hpp"
#include "proxy/json_rewrite.hpp"

namespace faultline::proxy {

struct HttpReply {
    int status = 200;
    std::string content_type = "application/json; charset=UTF-8";
    std::string body;
    std::vector<cdp::HttpHeader> headers;  // extra headers
};

// {"error":"<message>"} with the given status.
HttpReply json_error(int status, std::string_view message);

// The reply as bytes on the wire (Content-Length, Connection: close).
std::string serialize_reply(const HttpReply& reply);

struct JsonRoute {
    std::string upstream_target;  // path and query to ask Chromium for
    bool rewrite = false;         // the answer holds DevTools URLs to rewrite
    bool is_version = false;      // /json/version: its URL also refreshes discovery
};

// Maps a /json... request to Chromium's endpoint. Returns the route, or the error reply
// (404 unknown endpoint, 405 wrong method).
std::variant<JsonRoute, HttpReply> route_json_request(const cdp::HttpRequest& req);

// Asks Chromium (the current upstream, else --upstream) and returns the reply for the client:
// Chromium's status, content type and body (rewritten when the route says so); 503 while no
// upstream is known, 502 when Chromium does not answer.
HttpReply relay_json_request(const cdp::HttpRequest& req, const JsonRoute& route,
                             cdp::UpstreamDiscovery& discovery, const PublicEndpoint& endpoint);

}  // namespace faultline::proxy
