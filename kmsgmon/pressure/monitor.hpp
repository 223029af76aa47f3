// Live memory-pressure monitoring inside kmsgmon's poll loop: PSI trigger fds wake it, and one
// timer samples /proc/meminfo (+ PSI averages) every 5 s while calm, every second while
// pressure builds. Level changes become memory_pressure events (and webhook alerts).
// Also the flags of the pressure part and --replay-pressure.
#pragma once

#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "event_loop.hpp"
#include "faultline/cli.hpp"
#include "faultline/event.hpp"
#include "faultline/log.hpp"
#include "pressure/alert_webhook.hpp"
#include "pressure/detector.hpp"
#include "pressure/meminfo_reader.hpp"
#include "pressure/psi_reader.hpp"
#include "pressure/psi_trigger.hpp"

namespace faultline::kmsgmon {

struct PressureOptions {
    std::string proc_root = "/proc";
    std::string psi_some = "150000 1000000";
    std::string psi_full = "50000 1000000";
    std::string alert_webhook;
    std::string replay;       // --replay-pressure FILE
    std::string record;       // --record-pressure FILE
    DetectorConfig detector;  // --psi-warning, --psi-critical, --psi-sustain tune it
    bool disabled = false;
};

// Registers --proc-root, --psi-some, --psi-full, --psi-warning, --psi-critical, --psi-sustain,
// --alert-webhook, --replay-pressure, --record-pressure and --no-pressure (each with its
// FAULTLINE_* twin) and a help section.
void add_pressure_flags(faultline::FlagSet& flags, PressureOptions& opt);

// Checks the trigger specs, the detector thresholds and the webhook URL. Returns false with
// error naming the flag.
bool validate_pressure_options(const PressureOptions& opt, std::string& error);

// --replay-pressure: prints the events of the recorded samples as NDJSON on stdout (each with
// its sample's "t"), POSTs alerts when --alert-webhook is set (waiting at most 15 s for them).
// Returns the exit code: 0, or 2 with a message logged for a bad file (nothing printed).
int run_pressure_replay(const PressureOptions& opt, const faultline::Source& source,
                        const faultline::LogFn& log);

// Which memory the monitor watches: the machine's (/proc) or a cgroup's, whose limit-relative
// view limit_view computes from the machine's meminfo (false: no limit below the machine's).
struct MemoryScope {
    std::string cgroup;    // "" on the host
    std::string psi_path;  // the cgroup's memory.pressure, "" for the host's PSI
    std::function<bool(const MemInfo& machine, MemInfo& out)> limit_view;
    std::function<void()> on_sample;  // runs at every sample (the victim table's refresh)
    // Set where the cgroup has no PSI but v1 memory.pressure_level notifications: the level
    // notified within the last 10 s, read at every sample in place of PSI (the host's PSI is
    // then not read: it describes other memory). The notifier calls wake().
    std::function<VmPressure()> pressure_level;
};

class PressureMonitor {
  public:
    using Emit = std::function<void(faultline::Event)>;
    // log gets why PSI triggers are not used, read errors and the final counts.
    PressureMonitor(EventLoop& loop, PressureOptions opt, faultline::Source source, Emit emit,
                    faultline::LogFn log);
    ~PressureMonitor();
    PressureMonitor(const PressureMonitor&) = delete;
    PressureMonitor& operator=(const PressureMonitor&) = delete;

    // Opens the files, arms the PSI triggers (or logs once why it samples instead),
    // takes the first sample and schedules the next. Returns false with error set when
    // meminfo is unreadable or the record file cannot be created.
    bool start(std::string& error);
    // Before start(): watch a cgroup's memory instead of (only) the machine's.
    void set_scope(MemoryScope scope) { scope_ = std::move(scope); }
    // Before start(): told every sample as it is taken (kmsgmon --hub sends them on; issue 25).
    // Runs on the loop's thread, so it must not block.
    void set_sample_sink(std::function<void(const PressureSample&)> sink) {
        sample_sink_ = std::move(sink);
    }
    // After start(): whose PSI is read ("of the cgroup", "of the host", "not available", or the
    // v1 notifications that stand in for it).
    std::string psi_source() const;
    // A pressure notification arrived (v1 memory.pressure_level): sample now, and every second
    // for a while, as after a PSI trigger.
    void wake();
    // Sends outstanding webhook alerts until deadline. Returns true when none is left.
    bool flush(std::chrono::steady_clock::time_point deadline);

    struct Stats {
        uint64_t samples = 0, trigger_wakeups = 0, events = 0;
    };
    Stats stats() const { return stats_; }

  private:
    void arm_triggers();
    void on_trigger(size_t index, short revents);
    void sample_now();
    void schedule_next();

    EventLoop& loop_;
    PressureOptions opt_;
    faultline::Source source_;
    Emit emit_;
    faultline::LogFn log_;
    MeminfoReader meminfo_;
    PsiReader psi_;
    MemoryScope scope_;
    std::function<void(const PressureSample&)> sample_sink_;
    std::string psi_path_;
    std::vector<std::unique_ptr<PsiTrigger>> triggers_;
    std::vector<int> watch_ids_;
    PressureDetector detector_;
    std::unique_ptr<AlertWebhook> webhook_;
    std::FILE* record_ = nullptr;
    int timer_id_ = 0;
    EventLoop::Clock::time_point start_, last_wakeup_{};
    bool psi_error_noted_ = false;
    Stats stats_;
};

}  // namespace faultline::kmsgmon
