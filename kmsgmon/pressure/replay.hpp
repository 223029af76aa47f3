// --replay-pressure: recorded samples through the same detector, events out as NDJSON.
#pragma once

#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "faultline/event.hpp"
#include "pressure/detector.hpp"

namespace faultline::kmsgmon {

// Reads every sample of an NDJSON file (blank lines skipped). Returns false with error set to
// "FILE:LINE: what" for an unreadable file or the first malformed line.
bool load_samples(const std::string& path, std::vector<PressureSample>& out, std::string& error);

// One event as a replay output line: the envelope with the sample's "t" first (no newline).
std::string replay_line(double t, const faultline::Event& event);

// Runs samples through a detector (tuned by config) and writes one line per level change to out
// (flushed per line); on_transition (if set) sees each change too (the webhook). Returns the number
// of events written.
size_t replay_samples(const std::vector<PressureSample>& samples, const faultline::Source& source,
                      std::FILE* out, const DetectorConfig& config = {},
                      const std::function<void(const Transition&)>& on_transition = {});

}  // namespace faultline::kmsgmon
