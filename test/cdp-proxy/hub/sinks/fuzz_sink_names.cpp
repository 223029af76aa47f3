// libFuzzer target for what sinks parse from flags and files: NATS server lists, subject
// prefixes and tokens, wildcard matching (filter NUL subject) and the cursor file.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hub/sinks/cursor_file.hpp"
#include "hub/sinks/nats/subject.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace faultline::hub::sinks;
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    std::vector<std::string> urls;
    std::string error;
    nats::parse_server_list(in, urls, error);
    nats::valid_subject_prefix(in, error);
    const std::string token = nats::subject_token(in);
    if (token.find_first_of(". *>") != std::string::npos) __builtin_trap();
    const size_t nul = in.find('\0');
    const std::string_view filter = in.substr(0, nul);
    const std::string_view subject = nul == in.npos ? in : in.substr(nul + 1);
    nats::subject_matches(filter, subject);
    if (!nats::subject_matches(subject, subject) && subject.find_first_of("*>") == in.npos &&
        !subject.empty())
        __builtin_trap();  // a literal subject always matches itself
    parse_cursor(in);
    return 0;
}
