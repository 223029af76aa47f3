// The idempotency window: the most recent N event ids, so a producer's retried batch is
// stored once. Not thread-safe; the hub calls it under its publish lock.
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_set>

namespace faultline::hub {

class DedupWindow {
  public:
    explicit DedupWindow(size_t capacity);

    // True when id is among the remembered ids.
    bool contains(std::string_view id) const;
    // Remembers id, forgetting the oldest when full. Returns false (and changes nothing) when
    // id was already remembered.
    bool insert(std::string_view id);
    size_t size() const { return order_.size(); }
    size_t capacity() const { return capacity_; }

  private:
    size_t capacity_;
    std::deque<std::string> order_;             // oldest first; owns the strings
    std::unordered_set<std::string_view> ids_;  // views into order_ (deque keeps them stable)
};

}  // namespace faultline::hub
