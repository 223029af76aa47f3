#include "hub/store/dedup_window.hpp"

#include <algorithm>

namespace faultline::hub {

DedupWindow::DedupWindow(size_t capacity) : capacity_(std::max<size_t>(capacity, 1)) {
    ids_.reserve(capacity_);
}

std::optional<uint64_t> DedupWindow::find(std::string_view id) const {
    auto it = ids_.find(id);
    if (it == ids_.end()) return std::nullopt;
    return it->second;
}

bool DedupWindow::insert(std::string_view id, uint64_t seq) {
    if (contains(id)) return false;
    if (order_.size() == capacity_) {
        ids_.erase(order_.front());
        order_.pop_front();
    }
    order_.emplace_back(id);
    ids_.emplace(order_.back(), seq);
    return true;
}

}  // namespace faultline::hub
