// PSI triggers on /proc/pressure/memory: the kernel wakes us (POLLPRI) when tasks stalled on
// memory for STALL microseconds within a WINDOW. One trigger per open fd.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "faultline/unique_fd.hpp"

namespace faultline::kmsgmon {

struct TriggerSpec {
    std::string kind;  // "some" or "full"
    uint64_t stall_us = 0;
    uint64_t window_us = 0;
    // The text the kernel parses, e.g. "some 150000 1000000".
    std::string text() const;
};

// Parses "STALL_US WINDOW_US" (as given to --psi-some/--psi-full) for kind. Returns false with
// error set unless 0 < stall <= window <= 10 s.
bool parse_trigger_spec(std::string_view kind, std::string_view value, TriggerSpec& out,
                        std::string& error);

class PsiTrigger {
  public:
    // Opens path read-write and registers spec. On EINVAL (no CAP_SYS_RESOURCE: windows must
    // be a multiple of 2 s) retries once with a 2 s window and the same stall share. Returns
    // false with error set when neither is accepted; armed() tells what was registered.
    bool arm(const std::string& path, const TriggerSpec& spec, std::string& error);
    int fd() const { return fd_.get(); }
    const TriggerSpec& armed() const { return armed_; }
    // True when the 2 s fallback was used.
    bool widened() const { return widened_; }

  private:
    bool write_spec(const std::string& path, const TriggerSpec& spec, std::string& error);
    faultline::UniqueFd fd_;
    TriggerSpec armed_;
    bool widened_ = false;
};

}  // namespace faultline::kmsgmon
