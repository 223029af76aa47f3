// A recorded event as the ring holds it: seq, type and category for filtering, the encoded
// envelope (one line of JSON, seq included) shared by every reader without copying, and when
// the hub recorded it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "faultline/ring.hpp"

namespace faultline::hub {

struct Record {
    uint64_t seq = 0;
    std::string type;
    std::string category;
    std::string json;          // encode_event() of the envelope, seq included
    uint64_t recorded_ns = 0;  // wall clock (Unix nanoseconds) when the hub took it; 0 = unknown
};

using RecordPtr = std::shared_ptr<const Record>;
using RecordRing = Ring<RecordPtr>;

}  // namespace faultline::hub
