#include "hub/sinks/sink_status.hpp"

#include <fmt/format.h>

#include <functional>
#include <iterator>

#include "faultline/json_writer.hpp"

namespace faultline::hub::sinks {

namespace {
void metric(std::string& out, const std::vector<SinkStatus>& sinks, std::string_view name,
            std::string_view type, std::string_view help,
            const std::function<std::string(const SinkStatus&)>& value) {
    fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
    for (const auto& s : sinks)
        fmt::format_to(std::back_inserter(out), "{}{{sink=\"{}\"}} {}\n", name, s.name, value(s));
}
std::string num(uint64_t v) {
    return std::to_string(v);
}
}  // namespace

std::string render_sink_metrics(const std::vector<SinkStatus>& sinks) {
    std::string out;
    if (sinks.empty()) return out;
    metric(out, sinks, "faultline_sink_events_exported_total", "counter",
           "Events the sink's destination acknowledged.", [](auto& s) { return num(s.exported); });
    fmt::format_to(std::back_inserter(out),
                   "# HELP faultline_sink_failures_total Export failures, by cause.\n"
                   "# TYPE faultline_sink_failures_total counter\n");
    for (const auto& s : sinks)
        for (size_t i = 0; i < kCauses; ++i)
            fmt::format_to(std::back_inserter(out),
                           "faultline_sink_failures_total{{sink=\"{}\",cause=\"{}\"}} {}\n", s.name,
                           kCauseNames[i], s.failures[i]);
    metric(out, sinks, "faultline_sink_retries_total", "counter",
           "Events sent again after a failure (the destination drops the repeats by key).",
           [](auto& s) { return num(s.retries); });
    metric(out, sinks, "faultline_sink_skipped_total", "counter",
           "Events gone from the journal (retention) before the sink could export them.",
           [](auto& s) { return num(s.skipped); });
    metric(out, sinks, "faultline_sink_lag_events", "gauge",
           "Durable events not yet acknowledged by the destination.",
           [](auto& s) { return num(s.lag_events); });
    metric(out, sinks, "faultline_sink_lag_seconds", "gauge",
           "Age of the oldest event not yet acknowledged.",
           [](auto& s) { return fmt::format("{:.3f}", s.lag_seconds); });
    metric(out, sinks, "faultline_sink_cursor", "gauge",
           "Newest seq acknowledged together with everything before it.",
           [](auto& s) { return num(s.cursor); });
    metric(out, sinks, "faultline_sink_connected", "gauge", "1 while the destination is connected.",
           [](auto& s) { return num(s.connected ? 1 : 0); });
    metric(out, sinks, "faultline_sink_failing_seconds", "gauge",
           "Seconds since the sink started failing (0 = healthy).",
           [](auto& s) { return fmt::format("{:.3f}", s.failing_seconds); });
    return out;
}

std::string render_unhealthy_sinks(const std::vector<SinkStatus>& sinks) {
    std::string out = "[";
    for (const auto& s : sinks) {
        if (!s.unhealthy) continue;
        if (out.size() > 1) out.push_back(',');
        out += JsonObject()
                   .add("sink", s.name)
                   .add("failing_seconds", static_cast<int64_t>(s.failing_seconds))
                   .add("lag_events", s.lag_events)
                   .add("error", s.last_error)
                   .finish();
    }
    return out + "]";
}

}  // namespace faultline::hub::sinks
