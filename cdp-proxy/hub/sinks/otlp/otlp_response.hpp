// The collector's answer to an export: ExportLogsServiceResponse, whose partialSuccess says
// how many log records it rejected and why, in JSON or protobuf (as the request was sent), and
// the google.rpc.Status message of an error body, best effort.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace faultline::hub::sinks::otlp {

struct PartialSuccess {
    int64_t rejected = 0;  // rejectedLogRecords
    std::string message;   // errorMessage
};

// False when the body is neither an empty body nor a well-formed response; an absent
// partialSuccess is full success (rejected 0).
bool parse_partial_success_json(std::string_view body, PartialSuccess& out);
bool parse_partial_success_protobuf(std::string_view body, PartialSuccess& out);

// The message of an error body (google.rpc.Status JSON {"message"} or protobuf field 2), else
// the printable start of the body; at most 300 bytes, one line.
std::string error_message(std::string_view body, bool protobuf);

}  // namespace faultline::hub::sinks::otlp
