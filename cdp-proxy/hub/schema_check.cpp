#include "hub/schema_check.hpp"

#include "faultline/event_decode.hpp"

namespace faultline::hub {

std::string schema_violation(std::string_view json) {
    thread_local EventDecoder decoder;  // keeps a simdjson parser per thread
    Event e;
    DecodeError err;
    if (decoder.decode(json, e, err)) return {};
    return err.message;
}

}  // namespace faultline::hub
