// The HTTP(S) client of the S2 and OTLP sinks: one kept-alive connection to one destination,
// with timeouts, over cpp-httplib. https:// works where cpp-httplib was built with OpenSSL
// (Debian's libcpp-httplib is); the static build has no TLS and says so when asked for it.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace httplib {
class Client;
}

namespace faultline::hub::sinks {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct SinkHttpReply {
    int status = 0;            // 0 when no response arrived (error says why)
    std::string body;          // the response body
    std::string content_type;  // of the response
    std::string retry_after;   // the Retry-After header, as sent
    std::string error;         // transport failure: refused, timed out, TLS, ...
};

// scheme://host[:port] and the path prefix of a base URL ("https://x.b.s2.dev/v1").
struct SinkEndpoint {
    std::string origin;  // scheme://host[:port]
    std::string path;    // "" or "/v1" ...; never ends with '/'
};

// Splits an http:// or https:// URL. False with error set for anything else, and for https://
// when this build has no TLS.
bool parse_sink_endpoint(std::string_view url, SinkEndpoint& out, std::string& error);

// True when this build can speak https:// (cpp-httplib with OpenSSL).
bool sink_tls_available();

class SinkHttp {
  public:
    // origin as from parse_sink_endpoint; headers go with every request (Authorization, ...).
    SinkHttp(const std::string& origin, HttpHeaders headers, std::chrono::milliseconds timeout);
    ~SinkHttp();
    SinkHttp(const SinkHttp&) = delete;
    SinkHttp& operator=(const SinkHttp&) = delete;

    SinkHttpReply post(const std::string& path, std::string_view body,
                       const std::string& content_type, const HttpHeaders& extra = {});
    SinkHttpReply get(const std::string& path, const HttpHeaders& extra = {});
    // gzip request bodies (Content-Encoding: gzip, level 1); false when this build has no zlib.
    bool set_gzip(bool on);

  private:
    std::unique_ptr<httplib::Client> client_;
    HttpHeaders headers_;
    bool gzip_ = false;
    std::string compressed_;
};

}  // namespace faultline::hub::sinks
