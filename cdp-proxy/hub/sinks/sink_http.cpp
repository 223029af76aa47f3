#include "hub/sinks/sink_http.hpp"

#include <httplib.h>

#include "faultline/host_port.hpp"
#include "hub/sinks/gzip.hpp"

namespace faultline::hub::sinks {

bool sink_tls_available() {
#ifdef CPPHTTPLIB_OPENSSL_SUPPORT
    return true;
#else
    return false;
#endif
}

bool parse_sink_endpoint(std::string_view url, SinkEndpoint& out, std::string& error) {
    size_t scheme_end = url.find("://");
    std::string_view scheme = scheme_end == std::string_view::npos ? "" : url.substr(0, scheme_end);
    if (scheme != "http" && scheme != "https")
        return error = "expected an http:// or https:// URL", false;
    if (scheme == "https" && !sink_tls_available())
        return error =
                   "https:// needs TLS, and this build has none (the static build): use a "
                   "dynamically linked cdp-proxy or an http:// endpoint",
               false;
    std::string_view rest = url.substr(scheme_end + 3);
    size_t path_at = rest.find('/');
    std::string_view authority = rest.substr(0, path_at);
    if (authority.find('@') != std::string_view::npos)
        return error = "credentials in the URL (pass them as headers or a token flag)", false;
    HostPort hp;
    if (!parse_authority(authority, scheme == "https" ? 443 : 80, hp, error)) return false;
    std::string_view path = path_at == std::string_view::npos ? "" : rest.substr(path_at);
    if (path.find_first_of(" \t\r\n#") != std::string_view::npos)
        return error = "whitespace or a fragment in the URL path", false;
    while (!path.empty() && path.back() == '/') path.remove_suffix(1);
    out.origin = std::string(url.substr(0, scheme_end + 3 + authority.size()));
    out.path = std::string(path);
    return true;
}

SinkHttp::SinkHttp(const std::string& origin, HttpHeaders headers,
                   std::chrono::milliseconds timeout)
    : client_(std::make_unique<httplib::Client>(origin)), headers_(std::move(headers)) {
    client_->set_keep_alive(true);
    client_->set_tcp_nodelay(true);  // head and body go out at once, never after a delayed ACK
    client_->set_connection_timeout(timeout);
    client_->set_read_timeout(timeout);
    client_->set_write_timeout(timeout);
    client_->set_decompress(true);
}

SinkHttp::~SinkHttp() = default;

bool SinkHttp::set_gzip(bool on) {
    gzip_ = on && gzip_available();
    return gzip_ == on;
}

namespace {

httplib::Headers merged(const HttpHeaders& a, const HttpHeaders& b) {
    httplib::Headers h;
    for (const auto& [k, v] : a) h.emplace(k, v);
    for (const auto& [k, v] : b) h.emplace(k, v);
    return h;
}

SinkHttpReply reply_of(const httplib::Result& r) {
    SinkHttpReply out;
    if (!r) {
        out.error = httplib::to_string(r.error());
        if (r.error() == httplib::Error::Read) out.error = "no response (read failed or timed out)";
        return out;
    }
    out.status = r->status;
    out.body = r->body;
    out.content_type = r->get_header_value("Content-Type");
    out.retry_after = r->get_header_value("Retry-After");
    return out;
}

}  // namespace

SinkHttpReply SinkHttp::post(const std::string& path, std::string_view body,
                             const std::string& content_type, const HttpHeaders& extra) {
    if (!client_->is_valid()) return SinkHttpReply{0, {}, {}, {}, "invalid endpoint"};
    httplib::Headers headers = merged(headers_, extra);
    if (gzip_ && gzip_compress(body, compressed_)) {
        headers.emplace("Content-Encoding", "gzip");
        body = compressed_;
    }
    return reply_of(client_->Post(path, headers, body.data(), body.size(), content_type));
}

SinkHttpReply SinkHttp::get(const std::string& path, const HttpHeaders& extra) {
    if (!client_->is_valid()) return SinkHttpReply{0, {}, {}, {}, "invalid endpoint"};
    return reply_of(client_->Get(path, merged(headers_, extra)));
}

}  // namespace faultline::hub::sinks
