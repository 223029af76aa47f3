// The idempotency window: the most recent N event ids with the seq each was stored at (0 when
// it was accepted but not recorded), so a producer's retried batch is stored once and its
// acknowledgement can wait until the original is durable. Not thread-safe; the hub calls it
// under its publish lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace faultline::hub {

class DedupWindow {
  public:
    explicit DedupWindow(size_t capacity);

    // True when id is among the remembered ids.
    bool contains(std::string_view id) const { return ids_.count(id) != 0; }
    // The seq id was stored at, or nullopt when id is not remembered.
    std::optional<uint64_t> find(std::string_view id) const;
    // Remembers id with its seq, forgetting the oldest when full. Returns false (and changes
    // nothing) when id was already remembered.
    bool insert(std::string_view id, uint64_t seq = 0);
    size_t size() const { return order_.size(); }
    size_t capacity() const { return capacity_; }

  private:
    size_t capacity_;
    std::deque<std::string> order_;                       // oldest first; owns the strings
    std::unordered_map<std::string_view, uint64_t> ids_;  // views into order_ (stable in a deque)
};

}  // namespace faultline::hub
