// The Hub members that add, start and stop the sinks (they live in hub/sinks/) and the
// DurableStream they read (forwarded to the event log).
#include <fmt/format.h>

#include "hub/hub.hpp"
#include "hub/store/instance_id.hpp"

namespace faultline::hub {

namespace {
constexpr auto kSinkDrain = std::chrono::seconds(2);  // at stop: time to export the last events
}

void Hub::add_sink(std::unique_ptr<sinks::Destination> dest, sinks::SinkOptions opts) {
    const std::string dir = opts_.data_dir.empty() ? "" : opts_.data_dir + "/sinks";
    if (!opts.log) opts.log = sink_log(opts.name);
    sinks_.push_back(std::make_unique<sinks::Sink>(*this, std::move(dest), std::move(opts), dir));
}

LogFn Hub::sink_log(const std::string& name) const {
    if (!opts_.log) return null_log();
    return [log = opts_.log, prefix = "sink " + name + ": "](std::string_view msg) {
        log(prefix + std::string(msg));
    };
}

bool Hub::start_sinks(std::string& error) {
    if (!load_instance_id(opts_.data_dir, instance_id_, error)) {
        // Only sinks need it to survive a restart: without them a read-only data dir is fine.
        if (!sinks_.empty()) return false;
        log(fmt::format("{}; using an instance id for this run only", error));
        instance_id_ = new_instance_id();
        error.clear();
    }
    if (!sinks_.empty() && opts_.data_dir.empty())
        log("no --data-dir: sinks keep their cursor in memory only and export only what the "
            "ring holds");
    for (auto& s : sinks_)
        if (!s->start(error)) return false;
    return true;
}

void Hub::stop_sinks() {
    const auto deadline = std::chrono::steady_clock::now() + kSinkDrain;
    for (auto& s : sinks_) s->stop(deadline);
}

std::vector<sinks::SinkStatus> Hub::sink_statuses() const {
    std::vector<sinks::SinkStatus> out;
    for (const auto& s : sinks_) out.push_back(s->status());
    return out;
}

uint64_t Hub::durable_seq() const {
    return log_.durable_seq();
}

bool Hub::wait_durable(uint64_t after, std::chrono::milliseconds timeout) const {
    return log_.wait_durable(after, timeout);
}

std::unique_ptr<StreamReader> Hub::open_reader(uint64_t after, Metrics& metrics) const {
    return log_.open_reader(StreamFilter{}, after, metrics);
}

}  // namespace faultline::hub
