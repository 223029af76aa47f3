// The event schema registry: every event type, its category, whether only the hub may
// emit it, and its data fields. The one definition; the OpenAPI document is generated from it.
#pragma once

#include <array>
#include <initializer_list>
#include <span>
#include <string_view>

namespace faultline {

// object: a flat JSON object passed through as is (HTTP headers, timing breakdowns).
enum class FieldType { integer, number, string, boolean, string_array, object };

struct FieldSpec {
    std::string_view name;
    FieldType type;
    bool required;
    std::string_view description;
    std::span<const std::string_view> allowed = {};  // enum values for strings; empty = any
};

struct EventSpec {
    std::string_view type;
    std::string_view category;
    bool reserved;  // hub-only: producers get 403 (except events_dropped/outbox_full)
    std::string_view description;
    std::span<const FieldSpec> fields;
};

// Categories. `system` and `cdp` are failure categories and are always recorded; the others
// need a capture session. `monitor` rides along whenever a CDP-monitor category is captured.
inline constexpr std::array<std::string_view, 11> kCategories = {
    "system",     "cdp",     "page",       "network", "console", "interaction",
    "screenshot", "monitor", "connection", "captcha", "control"};
inline constexpr bool is_always_on_category(std::string_view c) {
    return c == "system" || c == "cdp";
}
// The categories whose events come from the CDP monitor's attached sessions.
inline constexpr bool is_monitor_category(std::string_view c) {
    return c == "page" || c == "network" || c == "console" || c == "interaction" ||
           c == "screenshot";
}
inline constexpr bool is_known_category(std::string_view c) {
    for (auto k : kCategories)
        if (k == c) return true;
    return false;
}

namespace detail {
using F = FieldType;
inline constexpr std::string_view kLevels[] = {"ok", "warning", "critical"};
inline constexpr std::string_view kTargets[] = {"browser", "page"};
inline constexpr std::string_view kDisconnectReasons[] = {
    "client_close", "upstream_changed", "upstream_error", "context_cancelled", "target_closed"};
inline constexpr std::string_view kDropReasons[] = {"reader_behind", "outbox_full", "expired",
                                                    "unstored"};
inline constexpr std::string_view kCaptchaTypes[] = {"hcaptcha",  "recaptcha_v2", "recaptcha_v3",
                                                     "turnstile", "geetest",      "other"};
inline constexpr std::string_view kCaptchaStatus[] = {"success", "failure", "timeout", "abandoned"};
inline constexpr std::string_view kMonitorDisconnect[] = {"chrome_restarted", "connection_lost",
                                                          "unresponsive"};

// Concatenates field lists at compile time (the navigation context + a type's own fields).
template <size_t N, size_t M>
constexpr std::array<FieldSpec, N + M> join(const FieldSpec (&a)[N], const FieldSpec (&b)[M]) {
    std::array<FieldSpec, N + M> out{};
    for (size_t i = 0; i < N; ++i) out[i] = a[i];
    for (size_t i = 0; i < M; ++i) out[N + i] = b[i];
    return out;
}

inline constexpr std::string_view kDetectedBy[] = {"kmsg", "cgroup"};
inline constexpr std::string_view kVictimHow[] = {"kernel_report", "inferred"};
inline constexpr std::string_view kScopes[] = {"cgroup", "host"};
inline constexpr std::string_view kVmPressureLevels[] = {"none", "low", "medium", "critical"};
inline constexpr FieldSpec kOomKill[] = {
    {"pid", F::integer, false,
     "PID of the killed process, as the producer's pid namespace sees it (absent when a "
     "cgroup counted the kill and the victim is not known)"},
    {"process_name", F::string, false,
     "comm of the killed process (at most 15 bytes, may contain spaces; absent when unknown)"},
    {"uid", F::integer, false, "UID of the killed process"},
    {"total_vm_kb", F::integer, false, "virtual memory size in KiB"},
    {"anon_rss_kb", F::integer, false, "anonymous resident memory in KiB"},
    {"file_rss_kb", F::integer, false, "file-backed resident memory in KiB"},
    {"shmem_rss_kb", F::integer, false, "shared-memory resident memory in KiB"},
    {"pgtables_kb", F::integer, false, "page tables in KiB"},
    {"oom_score_adj", F::integer, false, "oom_score_adj of the killed process"},
    {"constraint", F::string, false, "CONSTRAINT_NONE, CONSTRAINT_MEMCG, CONSTRAINT_CPUSET, ..."},
    {"oom_memcg", F::string, false, "memory cgroup whose limit was hit (memcg OOM only)"},
    {"task_memcg", F::string, false, "memory cgroup of the killed task"},
    {"trigger_process_name", F::string, false, "comm of the process that invoked the OOM killer"},
    {"gfp_mask", F::string, false, "allocation flags of the triggering allocation"},
    {"order", F::integer, false, "allocation order of the triggering allocation"},
    {"kernel_seq", F::integer, false, "kernel log record sequence number of the kill line"},
    {"kernel_ts_us", F::integer, false,
     "kernel log timestamp (monotonic, microseconds since boot)"},
    {"message", F::string, true,
     "the raw \"Killed process\" kernel line, or (detected_by cgroup) a sentence saying what the "
     "cgroup counted"},
    {"page_crashed_seq", F::integer, false,
     "seq of the page_crashed whose renderer this was, when that crash was recorded before this "
     "kill reached the hub (set by the hub)"},
    {"detected_by", F::string, false,
     "kmsg (the kernel's report) or cgroup (the cgroup's oom_kill counter alone); absent on a "
     "machine watched as a whole",
     kDetectedBy},
    {"cgroup", F::string, false, "the memory cgroup that counted the kill (inside a container)"},
    {"memory_limit_kb", F::integer, false, "that cgroup's memory limit in KiB at the kill"},
    {"memory_usage_kb", F::integer, false, "that cgroup's memory usage in KiB at the kill"},
    {"victim", F::string, false,
     "how pid/process_name were found: kernel_report, or inferred (the cgroup's process that "
     "vanished at the kill)",
     kVictimHow},
};
inline constexpr FieldSpec kServiceCrashed[] = {
    {"service_name", F::string, true, "supervisord program (process) name"},
    {"group_name", F::string, true, "supervisord group name"},
    {"from_state", F::string, true, "state the process left (RUNNING, BACKOFF, ...)"},
    {"pid", F::integer, false, "PID of the process that exited (absent for FATAL)"},
    {"expected", F::boolean, true, "always false: only unexpected exits are reported"},
    {"fatal", F::boolean, true, "true when supervisord gave up restarting (FATAL)"},
};
inline constexpr FieldSpec kMemoryPressure[] = {
    {"level", F::string, true, "new level", kLevels},
    {"previous_level", F::string, true, "level before this change", kLevels},
    {"reasons", F::string_array, true, "why the level is what it is"},
    {"mem_total_kb", F::integer, true, "MemTotal in KiB"},
    {"mem_available_kb", F::integer, true, "MemAvailable in KiB"},
    {"swap_total_kb", F::integer, true, "SwapTotal in KiB"},
    {"swap_free_kb", F::integer, true, "SwapFree in KiB"},
    {"swap_drain_kb_per_s", F::number, false, "swap drain rate fitted over the last minute"},
    {"eta_seconds", F::number, false, "projected seconds to exhaustion; null when not draining"},
    {"psi_some_avg10", F::number, false, "PSI memory some avg10 (percent)"},
    {"psi_full_avg10", F::number, false, "PSI memory full avg10 (percent)"},
    {"scope", F::string, false,
     "whose memory the figures are: cgroup (mem_total_kb is its limit) or host (the machine)",
     kScopes},
    {"cgroup", F::string, false, "the memory cgroup when scope is cgroup"},
    {"psi_scope", F::string, false,
     "whose PSI psi_some_avg10/psi_full_avg10 are: the cgroup's own or the host's", kScopes},
    {"pressure_level", F::string, false,
     "cgroup v1 memory.pressure_level notified within the last 10 s, where it stands in for PSI "
     "(the cgroup has no PSI of its own); none: no notification",
     kVmPressureLevels},
};
inline constexpr FieldSpec kCdpConnect[] = {
    {"connection_id", F::string, true, "proxy-assigned id of this connection"},
    {"client_addr", F::string, true, "client address and port"},
    {"path", F::string, true, "requested path (/devtools/browser/<id> or /devtools/page/<id>)"},
    {"target", F::string, true, "browser or page", kTargets},
    {"upstream_url", F::string, false, "the Chromium WebSocket URL dialled"},
};
inline constexpr FieldSpec kCdpDisconnect[] = {
    {"connection_id", F::string, true, "id from cdp_connect"},
    {"reason", F::string, true, "which side ended the relay, and why", kDisconnectReasons},
    {"duration_ms", F::integer, true, "connection lifetime up to the moment the relay ended"},
    {"messages_from_client", F::integer, true, "WebSocket messages the client sent"},
    {"messages_from_upstream", F::integer, true, "WebSocket messages Chromium sent"},
    {"bytes_from_client", F::integer, true, "bytes the client sent"},
    {"bytes_from_upstream", F::integer, true, "bytes Chromium sent"},
    {"close_code", F::integer, false,
     "code of the Close frame the proxy sent the client, else of the first one seen"},
};
// cdp_command (category control): what a client asked the browser; params and results are
// never recorded (they carry cookies, credentials and page content).
inline constexpr FieldSpec kCdpCommand[] = {
    {"connection_id", F::string, true, "id from cdp_connect"},
    {"session_id", F::string, false, "the flattened CDP sessionId the command was sent on"},
    {"id", F::integer, true, "the command's id"},
    {"method", F::string, true, "the CDP method, e.g. Runtime.evaluate"},
    {"duration_ms", F::number, false, "time to Chromium's reply (absent when none came)"},
    {"error_code", F::integer, false, "the reply's error code, when it failed"},
    {"error_message", F::string, false, "the reply's error message, when it failed"},
    {"command_bytes", F::integer, true, "size of the command message"},
    {"reply_bytes", F::integer, false, "size of the reply message"},
    {"disconnect_reason", F::string, false,
     "no reply came before the connection ended: the cdp_disconnect reason", kDisconnectReasons},
};
inline constexpr FieldSpec kEventsDropped[] = {
    {"count", F::integer, false,
     "exact number of events missed; absent only with reason unstored, when it is unknown"},
    {"from_seq", F::integer, false, "first seq that was missed"},
    {"to_seq", F::integer, false, "reason unstored: the last seq that may have held a lost event"},
    {"reason", F::string, true,
     "why they were missed: reader_behind (a slow stream reader), outbox_full (a producer's "
     "outbox overflowed), expired (gone from ring and journal), unstored (the hub crashed after "
     "this reader saw seqs the journal never stored; events from_seq..to_seq may be lost)",
     kDropReasons},
};
inline constexpr FieldSpec kCaptureStarted[] = {
    {"capture_session_id", F::string, true, "id of the capture session"},
    {"categories", F::string_array, true, "categories recorded during the session"},
};
inline constexpr FieldSpec kSessionEnded[] = {
    {"capture_session_id", F::string, true, "id of the capture session"},
    {"duration_ms", F::integer, true, "how long the session lasted"},
    {"events_captured", F::integer, true, "events recorded with this session's id"},
};

// The navigation context every browser-content event carries (the replaced system's telemetry spec,
// §2.4 BrowserEventContext).
inline constexpr FieldSpec kNav[] = {
    {"session_id", F::string, false, "the monitor's flattened CDP session of the target"},
    {"target_id", F::string, true, "Chromium target id of the page, iframe or worker"},
    {"target_type", F::string, false, "page, iframe, worker, service_worker, ..."},
    {"frame_id", F::string, false, "frame of the current navigation (\"\" before the first)"},
    {"loader_id", F::string, false, "loader of the current navigation"},
    {"url", F::string, false, "URL of the current navigation (the request URL for network_*)"},
    {"nav_seq", F::integer, true, "top-level navigations of this target so far (1 = the first)"},
};
inline constexpr FieldSpec kConsoleLogOwn[] = {
    {"level", F::string, true, "console API type: log, info, warning, debug, error, ..."},
    {"text", F::string, true, "first argument rendered as text"},
    {"args", F::string_array, true, "every argument rendered as text"},
    {"stack", F::string_array, false, "call frames, innermost first: \"fn url:line:col\""},
};
inline constexpr FieldSpec kConsoleErrorOwn[] = {
    {"level", F::string, false, "error (console.error) or exception (uncaught)"},
    {"text", F::string, true, "message or exception text"},
    {"args", F::string_array, false, "console.error arguments rendered as text"},
    {"line", F::integer, false, "line of the exception (0-based, as Chromium reports it)"},
    {"column", F::integer, false, "column of the exception"},
    {"source_url", F::string, false, "script URL of the exception"},
    {"stack", F::string_array, false, "call frames, innermost first: \"fn url:line:col\""},
};
inline constexpr FieldSpec kNetRequestOwn[] = {
    {"request_id", F::string, true, "Chromium request id (stable across redirects)"},
    {"method", F::string, true, "HTTP method"},
    {"document_url", F::string, false, "URL of the document that made the request"},
    {"headers", F::object, false, "request headers"},
    {"initiator_type", F::string, false, "parser, script, preload, other, ..."},
    {"resource_type", F::string, false, "Document, XHR, Fetch, Image, Script, ..."},
    {"is_redirect", F::boolean, false, "true for a redirect hop"},
    {"redirect_url", F::string, false, "the URL that redirected here"},
};
inline constexpr FieldSpec kNetResponseOwn[] = {
    {"request_id", F::string, true, "Chromium request id"},
    {"method", F::string, false, "HTTP method of the request"},
    {"status", F::integer, true, "HTTP status code"},
    {"status_text", F::string, false, "HTTP status text"},
    {"headers", F::object, false, "response headers"},
    {"mime_type", F::string, false, "MIME type Chromium determined"},
    {"resource_type", F::string, false, "Document, XHR, Fetch, Image, Script, ..."},
    {"timing", F::object, false,
     "dns_ms, connect_ms, ssl_ms, send_ms, wait_ms (time to first byte after sending)"},
    {"duration_ms", F::number, false, "request sent to loading finished"},
    {"encoded_bytes", F::integer, false, "bytes received on the wire"},
    {"body", F::string, false,
     "body of an allow-listed text type, capped at 8 KiB (structured) / 4 KiB, cut on a UTF-8 "
     "boundary"},
    {"body_truncated", F::boolean, false, "true when body was cut at the cap"},
};
inline constexpr FieldSpec kNetFailedOwn[] = {
    {"request_id", F::string, true, "Chromium request id"},
    {"error_text", F::string, true, "Chromium's error (net::ERR_...)"},
    {"canceled", F::boolean, true, "true when the request was cancelled"},
    {"resource_type", F::string, false, "resource type of the request"},
    {"blocked_reason", F::string, false, "why Chromium blocked it, when it did"},
};
inline constexpr FieldSpec kTimedOwn[] = {
    {"cdp_timestamp", F::number, false, "Chromium's monotonic timestamp in seconds"},
};
inline constexpr FieldSpec kNavigationOwn[] = {
    {"parent_frame_id", F::string, false, "parent frame for a sub-frame navigation"},
    {"top_level", F::boolean, true, "true for the main frame (starts a new nav_seq)"},
};
inline constexpr FieldSpec kTabOwn[] = {
    {"title", F::string, false, "title of the new target"},
    {"opener_id", F::string, false, "target that opened it (window.open, target=_blank)"},
};
inline constexpr FieldSpec kShiftOwn[] = {
    {"source_frame_id", F::string, false, "frame the shift happened in"},
    {"time", F::number, true, "Chromium timeline time (seconds)"},
    {"value", F::number, true, "layout shift score"},
    {"had_recent_input", F::boolean, true, "true when user input preceded the shift"},
};
inline constexpr FieldSpec kLcpOwn[] = {
    {"source_frame_id", F::string, false, "frame of the element"},
    {"time", F::number, true, "Chromium timeline time (seconds)"},
    {"render_time", F::number, false, "render time (seconds)"},
    {"load_time", F::number, false, "load time (seconds)"},
    {"size", F::number, false, "element area in CSS pixels"},
    {"element_id", F::string, false, "id attribute of the element"},
    {"element_url", F::string, false, "URL of an image element"},
};
inline constexpr FieldSpec kSettledOwn[] = {
    {"dom_content_loaded", F::boolean, true, "DOMContentLoaded fired"},
    {"load", F::boolean, true, "the load event fired"},
    {"layout_settled", F::boolean, true, "1 s without a layout shift after load"},
    {"network_idle", F::boolean, true,
     "500 ms with nothing in flight (requests open over 10 s not counted)"},
    {"requests_ignored", F::integer, true, "requests still open that were open over 10 s"},
    {"reason", F::string, true,
     "why it fired: all_conditions, long_requests_ignored (loaded, but requests open over 10 s "
     "remain) or load_timeout (no load within 10 s of DOMContentLoaded: a hung subresource)"},
};
inline constexpr FieldSpec kClickOwn[] = {
    {"x", F::integer, true, "clientX"},
    {"y", F::integer, true, "clientY"},
    {"selector", F::string, true, "#id, .class or \"\""},
    {"tag", F::string, true, "tag name (upper case)"},
    {"text", F::string, true,
     "the element's own text, at most 100 characters; \"\" when sensitive"},
};
inline constexpr FieldSpec kKeyOwn[] = {
    {"key", F::string, true, "KeyboardEvent.key (never sent for sensitive fields)"},
    {"selector", F::string, true, "#id, .class or \"\""},
    {"tag", F::string, true, "tag name (upper case)"},
};
inline constexpr FieldSpec kScrollOwn[] = {
    {"from_x", F::integer, true, "scroll position before"},
    {"from_y", F::integer, true, "scroll position before"},
    {"to_x", F::integer, true, "scroll position after 300 ms without scrolling"},
    {"to_y", F::integer, true, "scroll position after 300 ms without scrolling"},
    {"target_selector", F::string, true, "document or the scrolled element's selector"},
};
inline constexpr FieldSpec kScreenshotOwn[] = {
    {"png", F::string, true, "base64 PNG (Page.captureScreenshot)"},
    {"trigger", F::string, true, "Page.loadEventFired or Runtime.exceptionThrown"},
    {"bytes", F::integer, true, "size of the PNG in bytes"},
};
inline constexpr FieldSpec kMonitorDisconnected[] = {
    {"reason", F::string, true,
     "chrome_restarted (a new DevTools URL), connection_lost, or unresponsive (Chromium answered "
     "nothing for 15 s)",
     kMonitorDisconnect},
    {"upstream_url", F::string, false, "the browser endpoint that went away"},
};
inline constexpr FieldSpec kMonitorReconnected[] = {
    {"reconnect_duration_ms", F::integer, true, "from losing the browser to attached again"},
    {"upstream_url", F::string, false, "the browser endpoint now in use"},
    {"attempts", F::integer, false, "connection attempts it took"},
};
inline constexpr FieldSpec kMonitorReconnectFailed[] = {
    {"reason", F::string, true, "reconnect_exhausted"},
    {"attempts", F::integer, true, "connection attempts made"},
    {"error", F::string, false, "the last error"},
};
inline constexpr FieldSpec kMonitorInitFailed[] = {
    {"step", F::string, true, "the CDP command that failed (e.g. Target.setAutoAttach)"},
    {"error", F::string, false, "Chromium's error message"},
};
inline constexpr FieldSpec kLiveViewConnect[] = {
    {"session_id", F::string, true, "live-view session id"},
};
inline constexpr FieldSpec kLiveViewDisconnect[] = {
    {"session_id", F::string, true, "live-view session id"},
    {"duration_ms", F::number, false, "how long the viewer was connected"},
};
inline constexpr FieldSpec kCaptcha[] = {
    {"captcha_type", F::string, true, "kind of captcha", kCaptchaTypes},
    {"status", F::string, true, "outcome", kCaptchaStatus},
    {"duration_ms", F::number, true, "time spent solving"},
    {"task_id", F::string, false, "solver task id"},
    {"website_host", F::string, false, "host of the page"},
    {"website_path", F::string, false, "path of the page"},
    {"error_code", F::string, false, "solver error code"},
};
inline constexpr FieldSpec kPageCrashed[] = {
    {"target_id", F::string, true, "Chromium target id of the crashed page"},
    {"url", F::string, false, "URL of the page when it crashed"},
    {"title", F::string, false, "title of the page when it crashed"},
    {"status", F::string, false, "Chromium's termination status: crashed, killed, oom, ..."},
    {"error_code", F::integer, false, "Chromium's error code (9 = SIGKILL)"},
    {"renderer_pid", F::integer, false, "pid of the page's renderer, where it could be learned"},
    {"oom_kill_seq", F::integer, false,
     "seq of the system_oom_kill that killed the renderer (matched by pid, else by a chromium "
     "process killed within a few seconds before)"},
    {"oom_link", F::string, false,
     "how oom_kill_seq was matched: pid (the renderer's pid) or recent_chromium_kill (the "
     "newest chromium process killed shortly before, when the pid was not known)"},
    {"oom_anon_rss_kb", F::integer, false, "anonymous memory of the killed renderer in KiB"},
    {"message", F::string, false, "one sentence a human can read"},
};
inline constexpr auto kConsoleLog = join(kNav, kConsoleLogOwn);
inline constexpr auto kConsoleError = join(kNav, kConsoleErrorOwn);
inline constexpr auto kNetRequest = join(kNav, kNetRequestOwn);
inline constexpr auto kNetResponse = join(kNav, kNetResponseOwn);
inline constexpr auto kNetFailed = join(kNav, kNetFailedOwn);
inline constexpr auto kPageTimed = join(kNav, kTimedOwn);
inline constexpr auto kNavigation = join(kNav, kNavigationOwn);
inline constexpr auto kTab = join(kNav, kTabOwn);
inline constexpr auto kShift = join(kNav, kShiftOwn);
inline constexpr auto kLcp = join(kNav, kLcpOwn);
inline constexpr auto kSettled = join(kNav, kSettledOwn);
inline constexpr auto kClick = join(kNav, kClickOwn);
inline constexpr auto kKey = join(kNav, kKeyOwn);
inline constexpr auto kScroll = join(kNav, kScrollOwn);
inline constexpr auto kScreenshot = join(kNav, kScreenshotOwn);

inline constexpr EventSpec kEvents[] = {
    {"system_oom_kill", "system", false, "The kernel OOM killer killed a process.", kOomKill},
    {"service_crashed", "system", false, "A supervisord service exited unexpectedly or went FATAL.",
     kServiceCrashed},
    {"memory_pressure", "system", false, "The memory-pressure level changed (leading edge).",
     kMemoryPressure},
    {"cdp_connect", "cdp", false, "A CDP client connected through the proxy.", kCdpConnect},
    {"cdp_disconnect", "cdp", false, "A proxied CDP connection ended, with the true reason.",
     kCdpDisconnect},
    {"cdp_command", "control", false,
     "A CDP command a client sent through the proxy (while a capture records control).",
     kCdpCommand},
    {"events_dropped", "system", true,
     "Events were lost; count is exact (unstored: unknown, the range is given).", kEventsDropped},
    {"capture_session_started", "system", true, "A capture session started.", kCaptureStarted},
    {"session_ended", "system", true, "A capture session ended.", kSessionEnded},
    {"page_crashed", "system", false,
     "A page's renderer died (always recorded); linked to the OOM kill that caused it.",
     kPageCrashed},
    {"console_log", "console", false, "console.log/info/warn/debug in a page or worker.",
     kConsoleLog},
    {"console_error", "console", false, "console.error or an uncaught exception.", kConsoleError},
    {"network_request", "network", false, "A request was sent (or redirected).", kNetRequest},
    {"network_response", "network", false, "A response finished loading.", kNetResponse},
    {"network_loading_failed", "network", false, "A request failed or was cancelled.", kNetFailed},
    {"network_idle", "network", false, "500 ms with no request in flight after a navigation.",
     kNav},
    {"page_navigation", "page", false, "A frame navigated.", kNavigation},
    {"page_dom_content_loaded", "page", false, "DOMContentLoaded fired.", kPageTimed},
    {"page_load", "page", false, "The load event fired.", kPageTimed},
    {"page_tab_opened", "page", false, "A page target appeared (new tab or popup).", kTab},
    {"page_layout_shift", "page", false, "A layout shift was recorded.", kShift},
    {"page_lcp", "page", false, "A largest-contentful-paint candidate.", kLcp},
    {"page_layout_settled", "page", false, "1 s without a layout shift after load.", kNav},
    {"page_navigation_settled", "page", false,
     "DOMContentLoaded, layout settled and network idle (or only long requests left, or no "
     "load within 10 s).",
     kSettled},
    {"interaction_click", "interaction", false, "A click in the page.", kClick},
    {"interaction_key", "interaction", false, "A key press outside sensitive fields.", kKey},
    {"interaction_scroll_settled", "interaction", false, "Scrolling stopped (300 ms).", kScroll},
    {"monitor_screenshot", "screenshot", false, "A screenshot on load or uncaught exception.",
     kScreenshot},
    {"monitor_disconnected", "monitor", false, "The CDP monitor lost the browser.",
     kMonitorDisconnected},
    {"monitor_reconnected", "monitor", false, "The CDP monitor is attached to the browser again.",
     kMonitorReconnected},
    {"monitor_reconnect_failed", "monitor", false, "The CDP monitor gave up reconnecting.",
     kMonitorReconnectFailed},
    {"monitor_init_failed", "monitor", false, "A CDP monitor set-up command failed.",
     kMonitorInitFailed},
    {"live_view_connect", "connection", false, "A live-view viewer connected.", kLiveViewConnect},
    {"live_view_disconnect", "connection", false, "A live-view viewer disconnected.",
     kLiveViewDisconnect},
    {"captcha_solve_result", "captcha", false, "A captcha solve attempt finished.", kCaptcha},
};
}  // namespace detail

inline constexpr std::span<const EventSpec> all_event_specs() {
    return detail::kEvents;
}

// The spec of an event type, or nullptr for an unknown type.
inline constexpr const EventSpec* find_event_spec(std::string_view type) {
    for (const auto& s : detail::kEvents)
        if (s.type == type) return &s;
    return nullptr;
}

inline constexpr std::string_view field_type_name(FieldType t) {
    switch (t) {
        case FieldType::integer:
            return "integer";
        case FieldType::number:
            return "number";
        case FieldType::string:
            return "string";
        case FieldType::boolean:
            return "boolean";
        case FieldType::string_array:
            return "array of strings";
        case FieldType::object:
            return "object";
    }
    return "?";
}

}  // namespace faultline
