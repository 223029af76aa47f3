#include "pressure/monitor.hpp"

#include <sys/statfs.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

#include "pressure/event.hpp"
#include "pressure/replay.hpp"
#include "pressure/replay_sample.hpp"

namespace faultline::kmsgmon {

namespace {

constexpr auto kCalmInterval = std::chrono::seconds(5);
constexpr auto kBusyInterval = std::chrono::seconds(1);
constexpr auto kWakeupHold = std::chrono::seconds(10);  // fast sampling after a PSI trigger
constexpr long kProcSuperMagic = 0x9fa0;
constexpr long kCgroup2SuperMagic = 0x63677270;

// True when path is on procfs or cgroup2: PSI triggers are never written into ordinary files.
bool on_procfs(const std::string& path) {
    struct statfs st {};
    if (::statfs(path.c_str(), &st) != 0) return false;
    const long type = static_cast<long>(st.f_type);
    return type == kProcSuperMagic || type == kCgroup2SuperMagic;
}

// The detector as the flags tuned it: --psi-sustain holds for both PSI thresholds.
DetectorConfig detector_config(const PressureOptions& opt) {
    DetectorConfig cfg = opt.detector;
    cfg.psi_full_sustain_s = cfg.psi_some_sustain_s;
    return cfg;
}

}  // namespace

void add_pressure_flags(faultline::FlagSet& flags, PressureOptions& opt) {
    flags.add_string("proc-root", &opt.proc_root,
                     "read meminfo and pressure/memory under DIR instead of /proc", "DIR");
    flags.add_string("psi-some", &opt.psi_some,
                     "PSI trigger: wake when some task stalled STALL_US within WINDOW_US "
                     "(without CAP_SYS_RESOURCE the window becomes 2 s, same share)",
                     "'STALL_US WINDOW_US'");
    flags.add_string("psi-full", &opt.psi_full,
                     "PSI trigger: wake when all tasks stalled STALL_US within WINDOW_US",
                     "'STALL_US WINDOW_US'");
    flags.add_double("psi-warning", &opt.detector.psi_some_warning,
                     "warning when PSI some avg10 stays at or above PERCENT for --psi-sustain",
                     "PERCENT");
    flags.add_double("psi-critical", &opt.detector.psi_full_critical,
                     "critical when PSI full avg10 stays at or above PERCENT for --psi-sustain",
                     "PERCENT");
    flags.add_double("psi-sustain", &opt.detector.psi_some_sustain_s,
                     "how long a PSI threshold must hold before it counts", "SECONDS");
    flags.add_string("alert-webhook", &opt.alert_webhook,
                     "also POST warning/critical transitions here as JSON with a readable "
                     "'content' (Discord/Slack-style webhooks); 3 tries, never delays monitoring",
                     "URL");
    flags.add_string("replay-pressure", &opt.replay,
                     "run recorded samples (NDJSON) through the detector, print the events as "
                     "NDJSON (each with its sample's t) and exit",
                     "FILE");
    flags.add_string("record-pressure", &opt.record,
                     "append every live sample to FILE in the --replay-pressure format", "FILE");
    flags.add_bool("no-pressure", &opt.disabled, "do not watch memory pressure");
    flags.add_section(
        "Memory pressure",
        "  Levels ok -> warning -> critical, one memory_pressure event per change.\n"
        "  warning:  memory+swap exhaustion projected within 10 min (least-squares fit over\n"
        "            the last minute), swap free < 15 % for 30 s, MemAvailable < 5 % of MemTotal\n"
        "            and falling for 10 s, or PSI some avg10 >= 10 % (--psi-warning) for 30 s\n"
        "            (--psi-sustain).\n"
        "  critical: exhaustion projected within 2 min, or PSI full avg10 >= 10 %\n"
        "            (--psi-critical) for 30 s (--psi-sustain).\n"
        "  Back down only after 90 s of calm and 60 s at the level. Without swap, MemAvailable\n"
        "  and PSI decide. meminfo is read every 5 s (every second while pressure builds).\n"
        "  In a cgroup, PSI is its own memory.pressure; a v1 cgroup without one gives its\n"
        "  memory.pressure_level notifications instead (a sustained medium counts as PSI some,\n"
        "  critical as PSI full); only where neither exists is the host's PSI read.\n"
        "  Replay sample: {\"t\":0,\"mem_total_kb\":..,\"mem_available_kb\":..,\n"
        "  \"swap_total_kb\":..,\"swap_free_kb\":..,\"psi_some_avg10\":..,\"psi_full_avg10\":..}");
}

bool validate_pressure_options(const PressureOptions& opt, std::string& error) {
    TriggerSpec spec;
    std::string why;
    if (!parse_trigger_spec("some", opt.psi_some, spec, why)) {
        error = "--psi-some: " + why;
        return false;
    }
    if (!parse_trigger_spec("full", opt.psi_full, spec, why)) {
        error = "--psi-full: " + why;
        return false;
    }
    const auto& d = opt.detector;
    if (!(d.psi_some_warning > 0 && d.psi_some_warning <= 100)) {
        error = "--psi-warning: expected a percentage in (0, 100]";
        return false;
    }
    if (!(d.psi_full_critical > 0 && d.psi_full_critical <= 100)) {
        error = "--psi-critical: expected a percentage in (0, 100]";
        return false;
    }
    if (!(d.psi_some_sustain_s >= 0 && d.psi_some_sustain_s <= 3600)) {
        error = "--psi-sustain: expected seconds in [0, 3600]";
        return false;
    }
    faultline::HttpUrl url;
    if (!opt.alert_webhook.empty() && !faultline::parse_http_url(opt.alert_webhook, url, why)) {
        error = "--alert-webhook: " + why;
        return false;
    }
    return true;
}

int run_pressure_replay(const PressureOptions& opt, const faultline::Source& source,
                        const faultline::LogFn& log) {
    std::vector<PressureSample> samples;
    std::string error;
    if (!load_samples(opt.replay, samples, error)) {
        log("--replay-pressure: " + error);
        return 2;
    }
    std::unique_ptr<AlertWebhook> webhook;
    if (faultline::HttpUrl url;
        !opt.alert_webhook.empty() && faultline::parse_http_url(opt.alert_webhook, url, error))
        webhook = std::make_unique<AlertWebhook>(url, source.host, WebhookOptions{.log = log});
    replay_samples(samples, source, stdout, detector_config(opt), [&](const Transition& tr) {
        if (webhook) webhook->post(tr, memory_pressure_event(tr, source));
    });
    if (webhook && !webhook->flush(std::chrono::steady_clock::now() + std::chrono::seconds(15)))
        log("alert webhook: gave up waiting for outstanding alerts");
    return 0;
}

PressureMonitor::PressureMonitor(EventLoop& loop, PressureOptions opt, faultline::Source source,
                                 Emit emit, faultline::LogFn log)
    : loop_(loop),
      opt_(std::move(opt)),
      source_(std::move(source)),
      emit_(std::move(emit)),
      log_(std::move(log)),
      detector_(detector_config(opt_)) {}

PressureMonitor::~PressureMonitor() {
    log_(fmt::format("pressure: {} samples, {} PSI trigger wakeups, {} events", stats_.samples,
                     stats_.trigger_wakeups, stats_.events));
    for (int id : watch_ids_) loop_.unwatch(id);
    if (timer_id_) loop_.cancel_timer(timer_id_);
    if (record_) std::fclose(record_);
}

bool PressureMonitor::start(std::string& error) {
    start_ = EventLoop::Clock::now();
    if (!meminfo_.open(opt_.proc_root + "/meminfo", error)) return false;
    if (!opt_.record.empty()) {
        record_ = std::fopen(opt_.record.c_str(), "ae");
        if (!record_) {
            error = "--record-pressure " + opt_.record + ": " + std::strerror(errno);
            return false;
        }
    }
    if (faultline::HttpUrl url;
        !opt_.alert_webhook.empty() && faultline::parse_http_url(opt_.alert_webhook, url, error))
        webhook_ = std::make_unique<AlertWebhook>(url, source_.host, WebhookOptions{.log = log_});
    std::string psi_error;
    psi_path_ = opt_.proc_root + "/pressure/memory";
    if (scope_.psi_path.empty() && scope_.pressure_level) {
        sample_now();
        return true;
    }
    if (!scope_.psi_path.empty()) {
        if (psi_.open(scope_.psi_path, psi_error))
            psi_path_ = scope_.psi_path;
        else
            log_("cgroup PSI not readable (" + psi_error + "); using the host's PSI");
    }
    if (!psi_.is_open() && !psi_.open(psi_path_, psi_error))
        log_("PSI not available (" + psi_error + "); using MemAvailable and swap only");
    else
        arm_triggers();
    sample_now();
    return true;
}

// Registers both triggers; where that fails, says so once and relies on sampling avg10.
void PressureMonitor::arm_triggers() {
    const std::string& path = psi_path_;
    if (!on_procfs(path)) {
        log_(path + " is not on procfs; sampling PSI avg10 instead of kernel triggers");
        return;
    }
    std::string notes;
    for (const auto& [kind, value] : {std::pair{"some", opt_.psi_some}, {"full", opt_.psi_full}}) {
        TriggerSpec spec;
        std::string error;
        auto trigger = std::make_unique<PsiTrigger>();
        if (!parse_trigger_spec(kind, value, spec, error) || !trigger->arm(path, spec, error)) {
            notes += (notes.empty() ? "" : "; ") + error;
            continue;
        }
        if (trigger->widened())
            log_(fmt::format("PSI trigger '{}' needs CAP_SYS_RESOURCE; armed '{}'", spec.text(),
                             trigger->armed().text()));
        const size_t index = triggers_.size();
        watch_ids_.push_back(loop_.watch(trigger->fd(), POLLPRI,
                                         [this, index](short ev) { on_trigger(index, ev); }));
        triggers_.push_back(std::move(trigger));
    }
    if (!notes.empty()) log_("PSI triggers not available (" + notes + "); sampling avg10 instead");
}

void PressureMonitor::wake() {
    ++stats_.trigger_wakeups;
    last_wakeup_ = EventLoop::Clock::now();
    sample_now();
}

void PressureMonitor::on_trigger(size_t index, short revents) {
    if (revents & (POLLERR | POLLNVAL | POLLHUP)) {
        // The event source is gone (PSI disabled, file removed): keep sampling without it.
        log_("PSI trigger '" + triggers_[index]->armed().text() +
             "' reported an error; sampling avg10 instead");
        loop_.unwatch(watch_ids_[index]);
        watch_ids_[index] = 0;
        return;
    }
    ++stats_.trigger_wakeups;
    last_wakeup_ = EventLoop::Clock::now();
    sample_now();
}

void PressureMonitor::sample_now() {
    if (timer_id_) loop_.cancel_timer(timer_id_), timer_id_ = 0;
    const auto now = EventLoop::Clock::now();
    MemInfo mem;
    std::string error;
    if (!meminfo_.read(mem, error)) {
        log_(error);
        schedule_next();
        return;
    }
    if (scope_.on_sample) scope_.on_sample();
    PressureSample s;
    s.t = std::chrono::duration<double>(now - start_).count();
    s.scope = "host";
    if (MemInfo limited; scope_.limit_view && scope_.limit_view(mem, limited)) {
        mem = limited;
        s.scope = "cgroup";
        s.cgroup = scope_.cgroup;
    }
    s.mem_total_kb = mem.mem_total_kb, s.mem_available_kb = mem.mem_available_kb;
    s.swap_total_kb = mem.swap_total_kb, s.swap_free_kb = mem.swap_free_kb;
    PsiInfo psi;
    if (scope_.pressure_level && !psi_.is_open()) s.pressure_level = scope_.pressure_level();
    if (psi_.is_open()) {
        if (psi_.read(psi, error)) {
            s.psi_some_avg10 = psi.some.avg10;
            if (psi.has_full) s.psi_full_avg10 = psi.full.avg10;
            s.psi_scope = psi_path_ == scope_.psi_path ? "cgroup" : "host";
        } else if (!psi_error_noted_) {
            psi_error_noted_ = true;
            log_(error + "; using MemAvailable and swap only");
        }
    }
    ++stats_.samples;
    if (record_) {
        std::fprintf(record_, "%s\n", format_sample(s).c_str());
        std::fflush(record_);
    }
    if (sample_sink_) sample_sink_(s);
    if (auto tr = detector_.observe(s)) {
        faultline::Event ev = memory_pressure_event(*tr, source_);
        if (webhook_) webhook_->post(*tr, ev);
        ++stats_.events;
        emit_(std::move(ev));
    }
    schedule_next();
}

void PressureMonitor::schedule_next() {
    const auto now = EventLoop::Clock::now();
    const bool busy = detector_.elevated() || now - last_wakeup_ < kWakeupHold;
    const auto due = EventLoop::whole_second(now + (busy ? kBusyInterval : kCalmInterval));
    timer_id_ = loop_.add_timer(due, [this] {
        timer_id_ = 0;
        sample_now();
    });
}

std::string PressureMonitor::psi_source() const {
    if (!psi_.is_open() && scope_.pressure_level)
        return "none of the cgroup's: its memory.pressure_level notifications instead";
    if (!psi_.is_open()) return "not available";
    return psi_path_ == scope_.psi_path ? "of the cgroup" : "of the host";
}

bool PressureMonitor::flush(std::chrono::steady_clock::time_point deadline) {
    return !webhook_ || webhook_->flush(deadline);
}

}  // namespace faultline::kmsgmon
