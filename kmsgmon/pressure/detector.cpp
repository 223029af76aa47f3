#include "pressure/detector.hpp"

#include <algorithm>

namespace faultline::kmsgmon {

std::string_view level_name(PressureLevel level) {
    switch (level) {
        case PressureLevel::ok:
            return "ok";
        case PressureLevel::warning:
            return "warning";
        case PressureLevel::critical:
            return "critical";
    }
    return "ok";
}

std::optional<double> least_squares_slope(const std::vector<double>& x,
                                          const std::vector<double>& y) {
    const size_t n = std::min(x.size(), y.size());
    if (n < 2) return std::nullopt;
    double mx = 0, my = 0;
    for (size_t i = 0; i < n; ++i) mx += x[i], my += y[i];
    mx /= static_cast<double>(n), my /= static_cast<double>(n);
    double sxy = 0, sxx = 0;
    for (size_t i = 0; i < n; ++i) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
    }
    if (sxx <= 0) return std::nullopt;
    return sxy / sxx;
}

bool PressureDetector::Since::held(bool now_true, double t_now, double sustain) {
    if (!now_true) {
        t.reset();
        return false;
    }
    if (!t) t = t_now;
    return t_now - *t >= sustain;
}

double PressureDetector::mem_floor_kb(const PressureSample& s) const {
    return static_cast<double>(s.mem_total_kb) * cfg_.mem_floor_fraction;
}

// Refreshes the drain rates and the ETA from the last fit window of samples.
void PressureDetector::fit(const PressureSample& s) {
    window_.push_back(s);
    while (window_.front().t < s.t - cfg_.fit_window_s) window_.pop_front();
    reading_ = {};
    mem_slope_kb_per_s_ = 0;
    if (window_.size() < 3 || s.t - window_.front().t < cfg_.fit_min_span_s) return;
    std::vector<double> t, headroom, swap, mem;
    for (const auto& w : window_) {
        const double above_floor =
            std::max(0.0, static_cast<double>(w.mem_available_kb) - mem_floor_kb(w));
        t.push_back(w.t - s.t);  // relative times keep the sums well conditioned
        headroom.push_back(static_cast<double>(w.swap_total_kb > 0 ? w.swap_free_kb : 0) +
                           above_floor);
        swap.push_back(static_cast<double>(w.swap_free_kb));
        mem.push_back(static_cast<double>(w.mem_available_kb));
    }
    mem_slope_kb_per_s_ = least_squares_slope(t, mem).value_or(0);
    if (s.swap_total_kb > 0)
        if (auto slope = least_squares_slope(t, swap)) reading_.swap_drain_kb_per_s = -*slope;
    const double drain = -least_squares_slope(t, headroom).value_or(0);
    if (drain >= cfg_.min_drain_kb_per_s) reading_.eta_seconds = headroom.back() / drain;
}

// The level the entry thresholds (with their sustain times) call for, and why.
PressureLevel PressureDetector::entry_level(const PressureSample& s,
                                            std::vector<std::string>& reasons) {
    const auto& eta = reading_.eta_seconds;
    const bool has_swap = s.swap_total_kb > 0;
    const bool swap_low = swap_low_.held(
        has_swap && static_cast<double>(s.swap_free_kb) <
                        cfg_.swap_low_fraction * static_cast<double>(s.swap_total_kb),
        s.t, cfg_.swap_low_sustain_s);
    const bool mem_low = mem_low_.held(static_cast<double>(s.mem_available_kb) < mem_floor_kb(s) &&
                                           mem_slope_kb_per_s_ <= -cfg_.min_drain_kb_per_s,
                                       s.t, cfg_.mem_low_sustain_s);
    const bool some = psi_some_.held(s.psi_some_avg10.value_or(0) >= cfg_.psi_some_warning, s.t,
                                     cfg_.psi_some_sustain_s);
    const bool full = psi_full_.held(s.psi_full_avg10.value_or(0) >= cfg_.psi_full_critical, s.t,
                                     cfg_.psi_full_sustain_s);
    const auto vm = s.pressure_level.value_or(VmPressure::none);
    const bool level_medium =
        level_medium_.held(vm >= VmPressure::medium, s.t, cfg_.psi_some_sustain_s);
    const bool level_critical =
        level_critical_.held(vm >= VmPressure::critical, s.t, cfg_.psi_full_sustain_s);
    const bool eta_warn =
        eta_warn_.held(eta && *eta <= cfg_.eta_warning_s, s.t, cfg_.eta_sustain_s);
    const bool eta_crit =
        eta_crit_.held(eta && *eta <= cfg_.eta_critical_s, s.t, cfg_.eta_sustain_s);

    PressureLevel level = PressureLevel::ok;
    auto add = [&](bool cond, const char* why, PressureLevel at) {
        if (!cond) return;
        reasons.emplace_back(why);
        level = std::max(level, at);
    };
    add(eta_crit, "exhaustion_imminent", PressureLevel::critical);
    add(full, "psi_full_sustained", PressureLevel::critical);
    add(level_critical, "pressure_level_critical", PressureLevel::critical);
    add(eta_warn && !eta_crit, "exhaustion_projected", PressureLevel::warning);
    add(swap_low, "swap_low", PressureLevel::warning);
    add(mem_low, "mem_available_low", PressureLevel::warning);
    add(some, "psi_some_sustained", PressureLevel::warning);
    add(level_medium && !level_critical, "pressure_level_medium", PressureLevel::warning);
    return level;
}

// The highest level the relaxed exit thresholds still justify right now (no sustain), and why.
PressureLevel PressureDetector::hold_level(const PressureSample& s,
                                           std::vector<std::string>& reasons) const {
    const double r = cfg_.exit_ratio;
    const auto& eta = reading_.eta_seconds;
    PressureLevel level = PressureLevel::ok;
    auto add = [&](bool cond, const char* why, PressureLevel at) {
        if (!cond) return;
        reasons.emplace_back(why);
        level = std::max(level, at);
    };
    const bool eta_crit = eta && *eta <= cfg_.eta_critical_s / r;
    add(eta_crit, "exhaustion_imminent", PressureLevel::critical);
    add(s.psi_full_avg10.value_or(0) >= cfg_.psi_full_critical * r, "psi_full_sustained",
        PressureLevel::critical);
    add(!eta_crit && eta && *eta <= cfg_.eta_warning_s / r, "exhaustion_projected",
        PressureLevel::warning);
    add(s.swap_total_kb > 0 &&
            static_cast<double>(s.swap_free_kb) <
                cfg_.swap_low_fraction / r * static_cast<double>(s.swap_total_kb),
        "swap_low", PressureLevel::warning);
    add(static_cast<double>(s.mem_available_kb) < mem_floor_kb(s) / r, "mem_available_low",
        PressureLevel::warning);
    add(s.psi_some_avg10.value_or(0) >= cfg_.psi_some_warning * r, "psi_some_sustained",
        PressureLevel::warning);
    // A level notification has no relaxed threshold: it holds while it is notified at all.
    const auto vm = s.pressure_level.value_or(VmPressure::none);
    add(vm >= VmPressure::critical, "pressure_level_critical", PressureLevel::critical);
    add(vm == VmPressure::medium, "pressure_level_medium", PressureLevel::warning);
    return level;
}

std::optional<Transition> PressureDetector::observe(const PressureSample& s) {
    if (!window_.empty() && s.t < window_.back().t) return std::nullopt;
    fit(s);
    std::vector<std::string> reasons;
    const PressureLevel entry = entry_level(s, reasons);
    if (entry > level_) {
        Transition tr{entry, level_, std::move(reasons), s, reading_};
        level_ = entry, level_since_ = s.t, calm_since_.reset();
        return tr;
    }
    std::vector<std::string> hold_reasons;
    const PressureLevel hold = std::max(entry, hold_level(s, hold_reasons));
    if (hold >= level_) {
        calm_since_.reset();
        return std::nullopt;
    }
    if (!calm_since_) calm_since_ = s.t;
    if (s.t - *calm_since_ < cfg_.calm_s || s.t - level_since_ < cfg_.min_dwell_s)
        return std::nullopt;
    if (hold_reasons.empty()) hold_reasons.emplace_back("sustained_calm");
    Transition tr{hold, level_, std::move(hold_reasons), s, reading_};
    level_ = hold, level_since_ = s.t, calm_since_.reset();
    return tr;
}

bool PressureDetector::elevated() const {
    return level_ != PressureLevel::ok || swap_low_.t || mem_low_.t || psi_some_.t || psi_full_.t ||
           level_medium_.t || level_critical_.t || eta_warn_.t;
}

}  // namespace faultline::kmsgmon
