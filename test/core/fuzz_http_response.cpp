// libFuzzer target: the HTTP response parser on arbitrary bytes, fed whole and byte by byte. Both
// must agree on the outcome, status and body; a done response never keeps more than max_body.
#include "faultline/http_response.hpp"

using faultline::HttpResponseParser;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    HttpResponseParser whole, split;
    auto a = whole.feed(in);
    auto b = HttpResponseParser::State::need_more;
    for (char c : in) b = split.feed({&c, 1});
    if (a == HttpResponseParser::State::need_more) a = whole.finish();
    if (b == HttpResponseParser::State::need_more) b = split.finish();
    if (a != b) __builtin_trap();
    if (whole.response().status != split.response().status) __builtin_trap();
    if (whole.response().body != split.response().body) __builtin_trap();
    if (whole.response().body.size() > HttpResponseParser::max_body) __builtin_trap();
    return 0;
}
