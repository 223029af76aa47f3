// The NDJSON sample format of --replay-pressure and --record-pressure, one object per line:
// {"t":12.5,"mem_total_kb":..,"mem_available_kb":..,"swap_total_kb":..,"swap_free_kb":..,
//  "psi_some_avg10":1.5,"psi_full_avg10":0.2}
// Optional: "scope" ("cgroup" or "host"), "cgroup", "psi_scope" (whose PSI: "cgroup" or "host")
// and "pressure_level" (v1 notifications in place of PSI: none/low/medium/critical), carried
// into the events; pressure_level feeds the detector.
// t is seconds (any origin); the psi fields may be null or absent (no PSI); unknown fields are
// ignored so recordings can carry extra context.
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>

#include "pressure/sample.hpp"

namespace faultline::kmsgmon {

class SampleParser {
  public:
    // Parses one line. Returns false with error set (naming the field) on malformed JSON, a
    // missing or mistyped field, a negative size, or a non-finite t.
    bool parse(std::string_view line, PressureSample& out, std::string& error);

  private:
    std::string buf_;
    simdjson::ondemand::parser parser_;
};

// One sample as a line of the format above (no newline).
std::string format_sample(const PressureSample& s);

}  // namespace faultline::kmsgmon
