// /proc/meminfo: the parser (pure) and a reader that keeps the file open and preads it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "pressure/proc_file.hpp"

namespace faultline::kmsgmon {

struct MemInfo {
    int64_t mem_total_kb = 0;
    int64_t mem_available_kb = 0;
    int64_t swap_total_kb = 0;
    int64_t swap_free_kb = 0;
};

// Parses /proc/meminfo text. Returns false (with error set) unless MemTotal and MemAvailable
// are present; SwapTotal/SwapFree default to 0 when absent. Never reads past text.
bool parse_meminfo(std::string_view text, MemInfo& out, std::string& error);

class MeminfoReader {
  public:
    // Opens path (read-only, close-on-exec). Returns false with error set on failure.
    bool open(const std::string& path, std::string& error) { return file_.open(path, error); }
    // Reads and parses the whole file with one pread. Returns false with error set on failure.
    bool read(MemInfo& out, std::string& error);

  private:
    ProcFile file_;
};

}  // namespace faultline::kmsgmon
