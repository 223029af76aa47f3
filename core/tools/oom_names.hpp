// The process names of the last few system_oom_kill events by seq, so a page_crashed line can
// name the process of the OOM kill it links to (the hub writes only oom_kill_seq). Bounded.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace faultline::tail {

class OomNames {
  public:
    static constexpr size_t kKeep = 64;

    void remember(uint64_t seq, std::string_view process) {
        if (names_.size() == kKeep) names_.pop_front();
        names_.emplace_back(seq, std::string(process));
    }

    std::optional<std::string> find(uint64_t seq) const {
        for (auto it = names_.rbegin(); it != names_.rend(); ++it)
            if (it->first == seq) return it->second;
        return std::nullopt;
    }

  private:
    std::deque<std::pair<uint64_t, std::string>> names_;
};

}  // namespace faultline::tail
