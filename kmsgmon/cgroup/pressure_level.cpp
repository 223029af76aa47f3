#include "cgroup/pressure_level.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

namespace faultline::kmsgmon {
namespace {

constexpr const char* kLevels[] = {"low", "medium", "critical"};

}  // namespace

PressureSignal pressure_signal_for(const CgroupInfo& info, bool confined) {
    if (!confined) return PressureSignal::host_psi;
    if (!info.psi_path.empty()) return PressureSignal::cgroup_psi;
    if (info.layout == CgroupInfo::Layout::v1 &&
        ::access((info.dir + "/memory.pressure_level").c_str(), F_OK) == 0)
        return PressureSignal::pressure_level;
    return PressureSignal::host_psi;
}

VmPressure level_of(const std::array<uint64_t, 3>& counts) {
    for (int i = 2; i >= 0; --i)
        if (counts[static_cast<size_t>(i)]) return static_cast<VmPressure>(i + 1);
    return VmPressure::none;
}

PressureLevelWatch::~PressureLevelWatch() {
    for (int w : watch_)
        if (w >= 0) loop_.unwatch(w);
}

bool PressureLevelWatch::start(const std::string& dir, std::function<void()> on_notify,
                               std::string& error) {
    const std::string level_path = dir + "/memory.pressure_level";
    const faultline::UniqueFd level_fd(::open(level_path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!level_fd) {
        error = level_path + ": " + std::strerror(errno);
        return false;
    }
    const std::string control = dir + "/cgroup.event_control";
    const faultline::UniqueFd ctl(::open(control.c_str(), O_WRONLY | O_CLOEXEC));
    if (!ctl) {
        error = control + " not writable: " + std::strerror(errno);
        return false;
    }
    for (size_t i = 0; i < 3; ++i) {
        efd_[i] = faultline::UniqueFd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
        if (!efd_[i]) {
            error = std::string("eventfd: ") + std::strerror(errno);
            return false;
        }
        // The kernel keeps the registration until the eventfd is closed (or the cgroup goes).
        const std::string line =
            fmt::format("{} {} {},hierarchy", efd_[i].get(), level_fd.get(), kLevels[i]);
        if (::write(ctl.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
            error = control + ": registering '" + kLevels[i] + "' failed: " + std::strerror(errno);
            return false;
        }
    }
    on_notify_ = std::move(on_notify);
    for (size_t i = 0; i < 3; ++i)
        watch_[i] = loop_.watch(efd_[i].get(), POLLIN, [this](short) { on_wake(); });
    return true;
}

// The kernel signals all eventfds at or below the level in one go: read them all, so one
// notification is one wake-up.
void PressureLevelWatch::on_wake() {
    std::array<uint64_t, 3> counts{};
    for (size_t i = 0; i < 3; ++i) {
        uint64_t n = 0;
        if (::read(efd_[i].get(), &n, sizeof n) == static_cast<ssize_t>(sizeof n)) counts[i] = n;
    }
    const VmPressure level = level_of(counts);
    if (level == VmPressure::none) return;
    const auto now = EventLoop::Clock::now();
    for (size_t i = 0; i < static_cast<size_t>(level); ++i) last_[i] = now, seen_[i] = true;
    ++notifications_;
    if (on_notify_) on_notify_();
}

VmPressure PressureLevelWatch::level(EventLoop::Clock::time_point now) const {
    for (int i = 2; i >= 0; --i) {
        const auto k = static_cast<size_t>(i);
        if (seen_[k] && now - last_[k] < kHold) return static_cast<VmPressure>(i + 1);
    }
    return VmPressure::none;
}

}  // namespace faultline::kmsgmon
