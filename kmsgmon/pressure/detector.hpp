// The memory-pressure detector: pure and deterministic. Feed it samples in time order; it
// answers with a level change (ok -> warning -> critical and back) or nothing.
//
// warning:  exhaustion projected within 10 min, swap free below 15 % (sustained), MemAvailable
//           below its floor and falling, or PSI some stall sustained.
// critical: exhaustion projected within 2 min, or PSI full stall sustained.
// Where a cgroup v1 memory.pressure_level notification stands in for PSI, a sustained medium
// counts as the PSI some stall and a sustained critical as the PSI full stall (same sustain).
// Levels go up at once; they come down only after sustained calm (measured against relaxed
// exit thresholds) and a minimum dwell, so they never flap. Without swap, MemAvailable and PSI
// alone decide. "Exhaustion" is headroom = SwapFree + (MemAvailable above the floor) reaching
// zero, projected by a least-squares line over the last minute of samples.
#pragma once

#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pressure/sample.hpp"

namespace faultline::kmsgmon {

enum class PressureLevel { ok = 0, warning = 1, critical = 2 };

// "ok", "warning", "critical".
std::string_view level_name(PressureLevel level);

struct DetectorConfig {
    double fit_window_s = 60;         // least-squares window for drain rates
    double fit_min_span_s = 20;       // a fit needs samples spanning at least this long
    double min_drain_kb_per_s = 100;  // slower than this is "not draining"
    double eta_warning_s = 600;
    double eta_critical_s = 120;
    double eta_sustain_s = 10;
    double swap_low_fraction = 0.15;
    double swap_low_sustain_s = 30;
    double mem_floor_fraction = 0.05;  // MemAvailable floor as a share of MemTotal
    double mem_low_sustain_s = 10;
    double psi_some_warning = 10;  // percent (avg10)
    double psi_some_sustain_s = 30;
    double psi_full_critical = 10;
    double psi_full_sustain_s = 30;
    double exit_ratio = 0.7;  // exit thresholds: PSI * ratio, ETA / ratio, floors / ratio
    double min_dwell_s = 60;  // time at a level before it may go down
    double calm_s = 90;       // continuous calm needed to go down
};

// What the detector derived from the samples so far (for events and the webhook).
struct PressureReading {
    std::optional<double> swap_drain_kb_per_s;  // empty without a fit (or without swap)
    std::optional<double> eta_seconds;          // empty when not draining
};

struct Transition {
    PressureLevel level;
    PressureLevel previous;
    std::vector<std::string> reasons;
    PressureSample sample;
    PressureReading reading;
};

class PressureDetector {
  public:
    explicit PressureDetector(DetectorConfig config = {}) : cfg_(config) {}

    // Takes the next sample (t must not go backwards; an older sample is ignored). Returns the
    // level change it causes, or nothing.
    std::optional<Transition> observe(const PressureSample& s);

    PressureLevel level() const { return level_; }
    const PressureReading& reading() const { return reading_; }
    // True while pressure is building or present: the monitor samples faster then.
    bool elevated() const;

  private:
    struct Since {  // when a condition became continuously true, if it is
        std::optional<double> t;
        bool held(bool now_true, double t_now, double sustain);
    };
    void fit(const PressureSample& s);
    PressureLevel entry_level(const PressureSample& s, std::vector<std::string>& reasons);
    PressureLevel hold_level(const PressureSample& s, std::vector<std::string>& reasons) const;
    double mem_floor_kb(const PressureSample& s) const;

    DetectorConfig cfg_;
    std::deque<PressureSample> window_;
    PressureReading reading_;
    double mem_slope_kb_per_s_ = 0;
    PressureLevel level_ = PressureLevel::ok;
    double level_since_ = 0;
    std::optional<double> calm_since_;
    Since swap_low_, mem_low_, psi_some_, psi_full_, level_medium_, level_critical_, eta_warn_,
        eta_crit_;
};

// Least-squares slope of y over x (per unit of x); empty with fewer than 2 distinct x.
std::optional<double> least_squares_slope(const std::vector<double>& x,
                                          const std::vector<double>& y);

}  // namespace faultline::kmsgmon
