#include "hub/samples/sample_metrics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>

namespace faultline::hub {

namespace {
void gauge(std::string& out, const char* name, const char* help, double value) {
    fmt::format_to(std::back_inserter(out), "# HELP {0} {1}\n# TYPE {0} gauge\n{0} {2}\n", name,
                   help, value);
}
}  // namespace

std::string render_sample_metrics(const SampleStore& store, int64_t now_ms) {
    const auto s = store.latest();
    if (!s) return {};
    std::string out;
    const double kib = 1024;
    gauge(out, "faultline_memory_available_bytes",
          "MemAvailable in the latest memory sample (the cgroup's headroom in cgroup scope)",
          static_cast<double>(s->mem_available_kb) * kib);
    gauge(out, "faultline_memory_total_bytes",
          "MemTotal in the latest memory sample (the cgroup's limit in cgroup scope)",
          static_cast<double>(s->mem_total_kb) * kib);
    gauge(out, "faultline_swap_free_bytes", "SwapFree in the latest memory sample",
          static_cast<double>(s->swap_free_kb) * kib);
    gauge(out, "faultline_swap_total_bytes", "SwapTotal in the latest memory sample",
          static_cast<double>(s->swap_total_kb) * kib);
    if (s->psi_some_avg10)
        gauge(out, "faultline_psi_some_avg10", "memory PSI some avg10 (percent), latest sample",
              *s->psi_some_avg10);
    if (s->psi_full_avg10)
        gauge(out, "faultline_psi_full_avg10", "memory PSI full avg10 (percent), latest sample",
              *s->psi_full_avg10);
    gauge(out, "faultline_memory_sample_age_seconds",
          "seconds since the latest memory sample was taken (grows when the sampler stalls)",
          static_cast<double>(std::max<int64_t>(0, now_ms - s->ts_ms)) / 1000.0);
    return out;
}

}  // namespace faultline::hub
