// Checks an encoded in-process event against the schema, with the decoder ingest uses, so
// the monitor's, the proxy's and the hub's own events obey the contract outside producers do.
#pragma once

#include <string>
#include <string_view>

namespace faultline::hub {

// Empty when json is a valid event; otherwise the decoder's message (it names the field).
std::string schema_violation(std::string_view json);

}  // namespace faultline::hub
