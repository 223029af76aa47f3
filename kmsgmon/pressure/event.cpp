#include "pressure/event.hpp"

#include <fmt/format.h>

#include <cctype>

namespace faultline::kmsgmon {

namespace {

template <class Opt>
void add_number_or_null(faultline::JsonObject& o, std::string_view key, const Opt& v) {
    if (v)
        o.add(key, static_cast<double>(*v));
    else
        o.add(key, nullptr);
}

double gib(int64_t kb) {
    return static_cast<double>(kb) / (1024.0 * 1024.0);
}

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

}  // namespace

std::string memory_pressure_data(const Transition& tr) {
    const PressureSample& s = tr.sample;
    faultline::JsonObject o;
    o.add("level", level_name(tr.level))
        .add("previous_level", level_name(tr.previous))
        .add("reasons", tr.reasons)
        .add("mem_total_kb", s.mem_total_kb)
        .add("mem_available_kb", s.mem_available_kb)
        .add("swap_total_kb", s.swap_total_kb)
        .add("swap_free_kb", s.swap_free_kb);
    add_number_or_null(o, "swap_drain_kb_per_s", tr.reading.swap_drain_kb_per_s);
    add_number_or_null(o, "eta_seconds", tr.reading.eta_seconds);
    add_number_or_null(o, "psi_some_avg10", s.psi_some_avg10);
    add_number_or_null(o, "psi_full_avg10", s.psi_full_avg10);
    if (!s.psi_scope.empty()) o.add("psi_scope", s.psi_scope);
    if (s.pressure_level) o.add("pressure_level", vm_pressure_name(*s.pressure_level));
    if (!s.scope.empty()) o.add("scope", s.scope);
    if (!s.cgroup.empty()) o.add("cgroup", s.cgroup);
    return o.finish();
}

faultline::Event memory_pressure_event(const Transition& tr, const faultline::Source& source) {
    return faultline::make_event("memory_pressure", memory_pressure_data(tr), source);
}

std::string alert_text(const Transition& tr, const std::string& host) {
    const PressureSample& s = tr.sample;
    std::string out = fmt::format("memory pressure {} on {} (was {})", upper(level_name(tr.level)),
                                  host.empty() ? "this VM" : host, level_name(tr.previous));
    if (s.swap_total_kb > 0) {
        out += fmt::format(": swap {:.2f} of {:.2f} GiB free", gib(s.swap_free_kb),
                           gib(s.swap_total_kb));
        if (tr.reading.swap_drain_kb_per_s && *tr.reading.swap_drain_kb_per_s > 0)
            out += fmt::format(", draining {:.1f} MiB/s", *tr.reading.swap_drain_kb_per_s / 1024);
    } else {
        out += ": no swap";
    }
    if (tr.reading.eta_seconds)
        out += fmt::format(", memory exhausted in ~{:.0f} s", *tr.reading.eta_seconds);
    out += fmt::format("; MemAvailable {:.2f} of {:.2f} GiB", gib(s.mem_available_kb),
                       gib(s.mem_total_kb));
    if (s.psi_some_avg10)
        out += fmt::format("; PSI some {:.1f}%, full {:.1f}%", *s.psi_some_avg10,
                           s.psi_full_avg10.value_or(0));
    if (s.pressure_level)
        out += fmt::format("; memory.pressure_level {}", vm_pressure_name(*s.pressure_level));
    out += "; reasons: ";
    for (size_t i = 0; i < tr.reasons.size(); ++i) out += (i ? ", " : "") + tr.reasons[i];
    return out;
}

}  // namespace faultline::kmsgmon
