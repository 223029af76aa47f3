// Short mode for every benchmark: the test suite runs each one once with
// FAULTLINE_BENCH_SHORT=1 so none can rot unnoticed; the numbers then mean nothing.
#pragma once

#include <algorithm>
#include <cstdlib>

namespace faultline::bench {

inline bool short_mode() {
    const char* v = std::getenv("FAULTLINE_BENCH_SHORT");
    return v && *v && *v != '0';
}

// n, or a fiftieth of it (at least `floor`) in short mode.
inline long scaled(long n, long floor = 1) {
    return short_mode() ? std::max(floor, n / 50) : n;
}

}  // namespace faultline::bench
