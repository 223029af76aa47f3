// GET /: the live page (timeline and memory chart), embedded in the binary at build time from
// hub/http/page/ (embed_page.py), so it works with no other origin (an air-gapped VM).
#pragma once

#include <httplib.h>

#include <string>
#include <string_view>

namespace faultline::hub {

// The page (index.html with its CSS and JS inlined) and its ETag, both generated.
std::string_view page_html();
std::string_view page_etag();

// Whether a request may read the page: loopback always, others with the token as
// "Authorization: Bearer <token>" or as ?token=<token> (a browser's address bar cannot send a
// header). The token is compared in constant time.
bool page_allowed(const httplib::Request& req, std::string_view token);

// Registers GET / on server (403 like the rest of the API when page_allowed says no).
void register_page_route(httplib::Server& server, std::string token);

}  // namespace faultline::hub
