// /proc/pressure/memory: the parser (pure) and a reader that keeps the file open and preads it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "pressure/proc_file.hpp"

namespace faultline::kmsgmon {

struct PsiLine {
    double avg10 = 0, avg60 = 0, avg300 = 0;  // percent of wall time
    uint64_t total_us = 0;                    // cumulative stall time
};
struct PsiInfo {
    PsiLine some, full;
    bool has_full = false;  // memory always has it; kept for other resources
};

// Parses "some avg10=0.00 avg60=0.00 avg300=0.00 total=0" (+ the "full" line). Returns false
// with error set when the "some" line is missing or a value is malformed.
bool parse_psi(std::string_view text, PsiInfo& out, std::string& error);

class PsiReader {
  public:
    // Opens path read-only. Returns false with error set (e.g. ENOENT: no PSI in this kernel).
    bool open(const std::string& path, std::string& error) { return file_.open(path, error); }
    // Reads and parses with one pread. Returns false with error set (EOPNOTSUPP: PSI disabled).
    bool read(PsiInfo& out, std::string& error);
    bool is_open() const { return file_.is_open(); }

  private:
    ProcFile file_;
};

}  // namespace faultline::kmsgmon
