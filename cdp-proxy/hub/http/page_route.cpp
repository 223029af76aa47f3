#include "hub/http/page_route.hpp"

#include "faultline/bearer.hpp"
#include "hub/http/auth.hpp"
#include "hub/http/error_body.hpp"

namespace faultline::hub {

bool page_allowed(const httplib::Request& req, std::string_view token) {
    if (producer_allowed(req.remote_addr, req.get_header_value("Authorization"), token))
        return true;
    return !token.empty() && req.has_param("token") &&
           constant_time_equal(req.get_param_value("token"), token);
}

void register_page_route(httplib::Server& server, std::string token) {
    server.Get("/", [token = std::move(token)](const httplib::Request& req,
                                               httplib::Response& res) {
        if (!page_allowed(req, token))
            return send_error(res, 403,
                              token.empty() ? "only loopback clients may use the hub unless it "
                                              "runs with --token"
                                            : "missing or wrong token: open /?token=<token>");
        // no-cache: the browser revalidates each time and gets 304 while the build is the same.
        res.set_header("Cache-Control", "no-cache");
        res.set_header("ETag", std::string(page_etag()));
        res.set_header("X-Content-Type-Options", "nosniff");
        // Nothing but this origin: the page works in an air-gapped VM and leaks nothing.
        res.set_header("Content-Security-Policy",
                       "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                       "img-src 'self' data:; connect-src 'self'; base-uri 'none'; "
                       "form-action 'none'; frame-ancestors 'none'");
        res.set_header("Referrer-Policy", "no-referrer");
        if (req.get_header_value("If-None-Match") == page_etag()) {
            res.status = 304;
            return;
        }
        const auto html = page_html();
        res.set_content(html.data(), html.size(), "text/html; charset=utf-8");
    });
}

}  // namespace faultline::hub
