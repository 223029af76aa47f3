#include "hub/store/dedup_window.hpp"

#include <algorithm>

namespace faultline::hub {

DedupWindow::DedupWindow(size_t capacity) : capacity_(std::max<size_t>(capacity, 1)) {
    ids_.reserve(capacity_);
}

bool DedupWindow::contains(std::string_view id) const {
    return ids_.count(id) != 0;
}

bool DedupWindow::insert(std::string_view id) {
    if (contains(id)) return false;
    if (order_.size() == capacity_) {
        ids_.erase(order_.front());
        order_.pop_front();
    }
    order_.emplace_back(id);
    ids_.insert(order_.back());
    return true;
}

}  // namespace faultline::hub
