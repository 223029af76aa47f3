// A recorded event as the ring holds it: seq, type and category for filtering, and the encoded
// envelope (one line of JSON, seq included) shared by every reader without copying.
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
    std::string json;  // encode_event() of the envelope, seq included
};

using RecordPtr = std::shared_ptr<const Record>;
using RecordRing = Ring<RecordPtr>;

}  // namespace faultline::hub
