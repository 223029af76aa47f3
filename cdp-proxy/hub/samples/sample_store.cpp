#include "hub/samples/sample_store.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace faultline::hub {

namespace {
constexpr double kUnknown = std::numeric_limits<double>::quiet_NaN();
}

SampleStore::SampleStore(SampleStoreOptions opt) : opt_(opt) {
    opt_.capacity = std::max<size_t>(opt_.capacity, 1);
    opt_.max_origins = std::max<size_t>(opt_.max_origins, 1);
}

void SampleStore::pop_front() {
    head_ = (head_ + 1) % buf_.size();
    --count_;
}

void SampleStore::add(const MemorySample& s, int64_t now_ms) {
    std::lock_guard lock(mu_);
    ++stats_.received;
    latest_ = s;
    if (buf_.empty()) buf_.resize(opt_.capacity);
    while (count_ && at(0).ts_ms < now_ms - opt_.window_ms) pop_front(), ++stats_.expired;
    if (s.ts_ms < now_ms - opt_.window_ms) return void(++stats_.expired);
    const uint32_t origin = origin_of(s, now_ms);
    if (count_ == buf_.size()) pop_front(), ++stats_.evicted;
    buf_[(head_ + count_) % buf_.size()] =
        Entry{s.ts_ms,
              {s.mem_total_kb, s.mem_available_kb, s.swap_total_kb, s.swap_free_kb},
              s.psi_some_avg10.value_or(kUnknown),
              s.psi_full_avg10.value_or(kUnknown),
              origin};
    ++count_;
}

// The index of s's origin in origins_, adding it (and making room) when it is new.
uint32_t SampleStore::origin_of(const MemorySample& s, int64_t now_ms) {
    for (uint32_t i = 0; i < origins_.size(); ++i) {
        Origin& o = origins_[i];
        if (o.host == s.host && o.scope == s.scope && o.cgroup == s.cgroup) {
            o.last_heard_ms = now_ms;
            return i;
        }
    }
    Origin fresh{s.host, s.scope, s.cgroup, now_ms};
    if (origins_.size() < opt_.max_origins) {
        origins_.push_back(std::move(fresh));
        return static_cast<uint32_t>(origins_.size() - 1);
    }
    // Full: reuse the slot of the origin heard from least recently, dropping its samples.
    const auto oldest = std::min_element(
        origins_.begin(), origins_.end(),
        [](const Origin& a, const Origin& b) { return a.last_heard_ms < b.last_heard_ms; });
    const auto index = static_cast<uint32_t>(oldest - origins_.begin());
    drop_origin(index);
    origins_[index] = std::move(fresh);
    return index;
}

void SampleStore::drop_origin(uint32_t index) {
    size_t kept = 0;
    for (size_t i = 0; i < count_; ++i) {
        const Entry e = at(i);
        if (e.origin == index)
            ++stats_.evicted;
        else
            buf_[(head_ + kept++) % buf_.size()] = e;
    }
    count_ = kept;
}

MemorySample SampleStore::expand(const Entry& e) const {
    const Origin& o = origins_[e.origin];
    MemorySample s;
    s.ts_ms = e.ts_ms;
    s.host = o.host, s.scope = o.scope, s.cgroup = o.cgroup;
    s.mem_total_kb = e.kb[0], s.mem_available_kb = e.kb[1];
    s.swap_total_kb = e.kb[2], s.swap_free_kb = e.kb[3];
    if (!std::isnan(e.psi_some)) s.psi_some_avg10 = e.psi_some;
    if (!std::isnan(e.psi_full)) s.psi_full_avg10 = e.psi_full;
    return s;
}

std::vector<MemorySample> SampleStore::since(int64_t since_ms, int64_t now_ms) const {
    std::lock_guard lock(mu_);
    const int64_t after = std::max(since_ms, now_ms - opt_.window_ms - 1);
    std::vector<const Entry*> picked;
    for (size_t i = 0; i < count_; ++i)
        if (at(i).ts_ms > after) picked.push_back(&at(i));
    // Arrival order is time order for one sampler; samplers' clocks may interleave.
    std::stable_sort(picked.begin(), picked.end(),
                     [](const Entry* a, const Entry* b) { return a->ts_ms < b->ts_ms; });
    std::vector<MemorySample> out;
    out.reserve(picked.size());
    for (const Entry* e : picked) out.push_back(expand(*e));
    return out;
}

std::optional<MemorySample> SampleStore::latest() const {
    std::lock_guard lock(mu_);
    return latest_;
}

size_t SampleStore::size() const {
    std::lock_guard lock(mu_);
    return count_;
}

size_t SampleStore::memory_bytes() const {
    std::lock_guard lock(mu_);
    size_t bytes =
        sizeof(*this) + buf_.capacity() * sizeof(Entry) + origins_.capacity() * sizeof(Origin);
    auto heap = [](const std::string& s) {  // beyond the small-string buffer
        return s.capacity() > 15 ? s.capacity() + 1 : 0;
    };
    for (const Origin& o : origins_) bytes += heap(o.host) + heap(o.scope) + heap(o.cgroup);
    if (latest_) bytes += heap(latest_->host) + heap(latest_->scope) + heap(latest_->cgroup);
    return bytes;
}

SampleStore::Stats SampleStore::stats() const {
    std::lock_guard lock(mu_);
    return stats_;
}

}  // namespace faultline::hub
