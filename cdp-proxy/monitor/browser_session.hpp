// Everything the monitor does on one connection to Chromium's browser endpoint: target
// discovery and page crashes (always), and under a capture flattened auto-attach to every page,
// iframe and worker with only the domains the captured categories need, the mapping of their
// CDP events to ours, navigation context and computed events, response bodies, the interaction
// binding and screenshots. Lives as long as the connection (a reconnect starts a fresh one).
// Single-threaded: the monitor's loop calls every method.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "faultline/event.hpp"
#include "monitor/cdp_connection.hpp"
#include "monitor/cdp_events.hpp"
#include "monitor/crash_tracker.hpp"
#include "monitor/domains.hpp"
#include "monitor/interaction.hpp"
#include "monitor/monitor_options.hpp"
#include "monitor/nav_state.hpp"
#include "monitor/pending_replies.hpp"

namespace faultline::monitor {

// Publishes one of our events (type, data JSON).
using Emit = std::function<void(std::string_view type, std::string data)>;
// The same with the time it was observed (RFC 3339), for events published after a hold.
using EmitAt = std::function<void(std::string_view type, std::string data, std::string ts)>;
// Sends one CDP command (method, params JSON, session id); returns its id, 0 when not sent.
using SendFn =
    std::function<int64_t(std::string_view method, std::string_view params, std::string_view sid)>;

// A request with no loadingFinished/loadingFailed after this long is forgotten (and no longer
// holds network idle back); the table is swept this often (the replaced system's telemetry spec,
// §8.5).
inline constexpr int64_t kRequestTtlMs = 5 * 60 * 1000;
inline constexpr int64_t kRequestSweepMs = 60 * 1000;
inline constexpr double kMinScreenshotScale = 1.0 / 16;
// A command's reply arrives within this or never: its callback then runs with a failure.
constexpr int64_t kReplyTimeoutMs = 30000;
// After this much silence from Chromium the session asks it something (Browser.getVersion)...
constexpr int64_t kProbeIdleMs = 5000;
// ...and a Chromium that has not answered anything this long after the probe is unresponsive.
constexpr int64_t kUnresponsiveMs = 10000;

class BrowserSession {
  public:
    BrowserSession(CdpConnection& conn, const MonitorOptions& opts, Emit emit, EmitAt emit_at);
    // The same over any command sender (the unit tests record the commands).
    BrowserSession(SendFn send, const MonitorOptions& opts, Emit emit, EmitAt emit_at);

    // Target discovery and a first renderer snapshot. Returns false with the failed step.
    bool init(std::string& failed_step);
    // Chromium answered an init command with an error: the step ("" = none) and the error.
    const std::string& init_failed_step() const { return init_failed_step_; }
    const std::string& init_error() const { return init_error_; }
    // Chromium accepted the init commands: crash detection is on.
    bool initialized() const { return initialized_; }
    // Chromium has not answered the liveness probe in time (a stopped or hung browser).
    bool unresponsive(int64_t now_ms) const;
    void set_categories(const std::vector<std::string>& categories, int64_t now_ms);
    void on_message(std::string_view json, int64_t now_ms);
    void on_timer(int64_t now_ms);
    std::optional<int64_t> next_deadline(int64_t now_ms) const;
    // The connection is gone: publish held crashes now.
    void flush(int64_t now_ms);

    size_t attached_sessions() const { return sessions_.size(); }
    size_t pending_requests() const { return requests_.size(); }
    size_t pending_commands() const { return pending_.size(); }

  private:
    using Reply = std::function<void(bool ok, simdjson::dom::object result, std::string_view err)>;
    struct Session {
        std::string id, target_id, target_type;
        unsigned domains = 0;
        std::unique_ptr<NavState> nav;
    };

    // Sends a command; returns its id, 0 when the connection could not take it.
    int64_t command(std::string_view method, std::string params, std::string_view session,
                    Reply reply = {});
    void on_reply(int64_t id, simdjson::dom::object msg);
    void on_event(std::string_view method, simdjson::dom::object params,
                  std::string_view session_id, int64_t now);

    // Browser-level (always on).
    void on_target_info(simdjson::dom::object params);
    void on_target_crashed(simdjson::dom::object params, int64_t now);
    void refresh_renderers();
    void expire_replies(int64_t now);
    void probe(int64_t now);
    // Attachment.
    void attach_all();
    void detach_all();
    void on_attached(simdjson::dom::object params, int64_t now);
    // false: not tracked (a second session to a target already attached).
    bool track_attached(simdjson::dom::object params, const std::string& sid);
    void on_detached(simdjson::dom::object params);
    void apply_domains(Session& s);
    // Session events.
    void on_session_event(Session& s, std::string_view method, simdjson::dom::object params,
                          int64_t now);
    void on_network(Session& s, std::string_view method, simdjson::dom::object params, int64_t now);
    void on_page(Session& s, std::string_view method, simdjson::dom::object params, int64_t now);
    void response_finished(Session& s, RequestInfo info, std::string request_id,
                           std::string finished_json);
    // A screenshot over --screenshot-max-bytes is taken again at half the scale, down to
    // kMinScreenshotScale; one still too large is not published (logged).
    struct ShotJob {
        std::string sid;
        NavContext ctx;
        std::string trigger;
        double scale = 1, x = 0, y = 0, width = 0, height = 0;
        uint64_t generation = 0;
    };
    void screenshot(Session& s, std::string_view trigger, int64_t now);
    void capture_screenshot(std::shared_ptr<ShotJob> job);
    void screenshot_done(const ShotJob& job, const std::string& problem);
    // Chromium does not answer commands of a session it detached: forget one in flight there.
    void abandon_screenshot(const std::string& sid);
    void emit_computed(Session& s, int64_t now);
    void sweep_requests(int64_t now);

    SendFn send_;
    const MonitorOptions& opts_;
    Emit emit_;
    EmitAt emit_at_;
    simdjson::dom::parser parser_;
    // Chromium may never answer a command of a session it detached: forget those.
    void forget_commands(const std::string& sid);
    PendingReplies<Reply> pending_{kReplyTimeoutMs};  // tagged with the command's session id
    std::string init_failed_step_, init_error_;
    bool initialized_ = false;
    int64_t last_heard_ms_ = 0;     // the last message from Chromium (or the start)
    int64_t probe_sent_ms_ = 0;     // 0 = no liveness probe waiting
    int64_t renderers_due_ms_ = 0;  // 0 = no renderer snapshot to ask for again
    bool snapshot_in_flight_ = false, snapshot_again_ = false;  // SystemInfo.getProcessInfo
    CrashTracker crashes_;
    Capture capture_;
    bool attached_ = false;                                  // browser-level auto-attach is on
    std::unordered_map<std::string, Session> sessions_;      // by CDP session id
    std::unordered_map<std::string, RequestInfo> requests_;  // by session id + request id
    RateLimiter interactions_;
    int64_t last_screenshot_ms_ = -1000000;
    bool screenshot_in_flight_ = false;
    std::string screenshot_sid_;
    uint64_t screenshot_generation_ = 0;  // replies of an abandoned screenshot are ignored
    int64_t last_sweep_ms_ = 0;
};

}  // namespace faultline::monitor
