// Keeps the monitor alive when memory runs out: out of the OOM killer's reach, memory locked.
#pragma once

#include <string>

namespace faultline::kmsgmon {

// Writes -1000 to /proc/self/oom_score_adj so the OOM killer never picks kmsgmon. Returns
// false with error set (e.g. without CAP_SYS_RESOURCE); the caller decides whether it matters.
bool protect_from_oom_killer(std::string& error);

// Locks current and future pages in RAM, each future page only once it is touched (so thread
// stacks cost what they use). Returns false with error set (e.g. RLIMIT_MEMLOCK too small).
bool lock_memory(std::string& error);

}  // namespace faultline::kmsgmon
