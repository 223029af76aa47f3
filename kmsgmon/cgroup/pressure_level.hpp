// cgroup v1 memory.pressure_level notifications (the kernel's cgroup-v1/memory.rst, "Memory
// Pressure"): the pressure signal of a v1 memory cgroup that has no PSI of its own. One eventfd
// per level (low, medium, critical; each fires at its level or above), registered through
// cgroup.event_control in "hierarchy" mode so pressure in nested cgroups reaches us too. The
// level notified counts for 10 s, the window PSI's avg10 averages over.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>

#include "cgroup/discovery.hpp"
#include "event_loop.hpp"
#include "faultline/unique_fd.hpp"
#include "pressure/sample.hpp"

namespace faultline::kmsgmon {

// Which signal stands for memory stalls, in order of preference: the cgroup's own PSI, else
// (v1, its memory.pressure_level present) the level notifications, else the host's PSI.
enum class PressureSignal { cgroup_psi, pressure_level, host_psi };
PressureSignal pressure_signal_for(const CgroupInfo& info, bool confined);

// The highest level a wake-up shows, from the counts read from the low, medium and critical
// eventfds (a level's eventfd also fires for the levels above it).
VmPressure level_of(const std::array<uint64_t, 3>& counts);

class PressureLevelWatch {
  public:
    static constexpr auto kHold = std::chrono::seconds(10);
    explicit PressureLevelWatch(EventLoop& loop) : loop_(loop) {}
    ~PressureLevelWatch();
    PressureLevelWatch(const PressureLevelWatch&) = delete;
    PressureLevelWatch& operator=(const PressureLevelWatch&) = delete;

    // Registers the three eventfds for the cgroup directory dir; on_notify runs in the loop after
    // each notification. Returns false with error when cgroup.event_control refuses (container
    // runtimes mount cgroupfs read-only).
    bool start(const std::string& dir, std::function<void()> on_notify, std::string& error);
    // The highest level notified within kHold before now.
    VmPressure level(EventLoop::Clock::time_point now) const;
    uint64_t notifications() const { return notifications_; }

  private:
    void on_wake();
    EventLoop& loop_;
    std::array<faultline::UniqueFd, 3> efd_;
    std::array<int, 3> watch_{-1, -1, -1};
    std::array<EventLoop::Clock::time_point, 3> last_{};  // per level: when last notified
    std::array<bool, 3> seen_{};
    std::function<void()> on_notify_;
    uint64_t notifications_ = 0;
};

}  // namespace faultline::kmsgmon
