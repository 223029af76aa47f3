// The hub's instance id: random, created once in --data-dir (file instance-id) and stable
// across restarts, so "<instance id>:<seq>" names one event for every sink's destination
// forever (the idempotency key a destination uses to drop a retry).
#pragma once

#include <string>
#include <string_view>

namespace faultline::hub {

// A fresh id: 16 lower-case hex digits from the kernel's random source.
std::string new_instance_id();
// True for what new_instance_id() makes (the file is checked before it is trusted).
bool valid_instance_id(std::string_view id);
// Reads data_dir/instance-id, creating it when missing. An empty data_dir gives a fresh id
// per process (no journal, so no seq survives a restart either). False with error when the
// file is unreadable, malformed or cannot be written.
bool load_instance_id(const std::string& data_dir, std::string& id, std::string& error);

}  // namespace faultline::hub
