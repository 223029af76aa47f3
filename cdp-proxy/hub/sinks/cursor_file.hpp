// A sink's persisted cursor: the newest seq its destination acknowledged (with everything
// before it), kept in <data-dir>/sinks/<name>.cursor as "<seq>\n" and replaced atomically.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace faultline::hub::sinks {

// The seq in a cursor file's text ("<digits>\n"); nullopt when it is anything else.
std::optional<uint64_t> parse_cursor(std::string_view text);

class CursorFile {
  public:
    // dir empty: nothing is persisted (a hub without --data-dir has no journal to resume).
    CursorFile(std::string dir, std::string name);
    // The stored cursor, 0 when there is none yet. False with error when it is unreadable.
    bool load(uint64_t& seq, std::string& error) const;
    // Writes seq (write tmp, fsync, rename). False with error.
    bool store(uint64_t seq, std::string& error) const;
    const std::string& path() const { return path_; }

  private:
    std::string dir_, path_;
};

}  // namespace faultline::hub::sinks
