// The values of the flags every sink has (see hub/sinks/flags.hpp).
#pragma once

#include <cstdint>
#include <string>

namespace faultline::hub::sinks {

struct SinkFlagValues {
    std::string categories, types;  // comma-separated; empty = everything recorded
    uint64_t max_in_flight = 256;
    double unhealthy_after = 60;
};

}  // namespace faultline::hub::sinks
