// memory_pressure events and the human-readable alert text, built from a detector transition.
#pragma once

#include <string>

#include "faultline/event.hpp"
#include "pressure/detector.hpp"

namespace faultline::kmsgmon {

// The data object of a memory_pressure event (the fields core/faultline/schema.hpp
// defines, one line of JSON).
std::string memory_pressure_data(const Transition& tr);

// A memory_pressure event stamped with the wall clock now.
faultline::Event memory_pressure_event(const Transition& tr, const faultline::Source& source);

// One line for people, e.g. "memory pressure CRITICAL on vm-1 (was warning): swap 0.23 of
// 2.00 GiB free, draining 4.1 MiB/s, empty in ~56 s; ...".
std::string alert_text(const Transition& tr, const std::string& host);

}  // namespace faultline::kmsgmon
