// One hub per data dir: an exclusive flock on the directory itself (works on a read-only
// file system too), held for the hub's life. Two hubs on one journal would hand out the same
// seqs and interleave their segments; the second one is refused at start instead.
#pragma once

#include <string>

#include "faultline/unique_fd.hpp"

namespace faultline::hub {

// Locks dir into held. Returns false with error naming dir and the cause; "in use" when
// another process holds it (the lock is released when held is closed, or that process exits).
bool lock_dir(const std::string& dir, UniqueFd& held, std::string& error);

}  // namespace faultline::hub
