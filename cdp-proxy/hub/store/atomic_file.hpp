// Small files that must never be seen half-written (a sink's cursor, the hub's instance id):
// written to a temporary name, fsynced, renamed over the old one, and the directory fsynced.
#pragma once

#include <optional>
#include <string>

namespace faultline::hub {

// Replaces path with contents atomically. Returns false with error (naming the path).
bool atomic_write_file(const std::string& path, const std::string& contents, std::string& error);

// The whole file, or nullopt when it does not exist or cannot be read (error says which).
std::optional<std::string> read_small_file(const std::string& path, std::string& error);

// fsync of a directory, so a file created or renamed in it survives a power loss. Returns 0
// or the errno.
int fsync_dir(const std::string& dir);

}  // namespace faultline::hub
