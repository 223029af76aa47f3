// The event schema registry: every event type, its category, whether only the hub may
// emit it, and its data fields. The one definition; the OpenAPI document is generated from it.
#pragma once

#include <array>
#include <initializer_list>
#include <span>
#include <string_view>

namespace faultline {

enum class FieldType { integer, number, string, boolean, string_array };

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

// Categories. `system` and `cdp` are failure categories and are always recorded.
inline constexpr std::array<std::string_view, 5> kCategories = {"system", "cdp", "page", "network",
                                                                "console"};
inline constexpr bool is_always_on_category(std::string_view c) {
    return c == "system" || c == "cdp";
}
inline constexpr bool is_known_category(std::string_view c) {
    for (auto k : kCategories)
        if (k == c) return true;
    return false;
}

namespace schema_detail {
using F = FieldType;
inline constexpr std::string_view kLevels[] = {"ok", "warning", "critical"};
inline constexpr std::string_view kTargets[] = {"browser", "page"};
inline constexpr std::string_view kDisconnectReasons[] = {"client_close", "upstream_changed",
                                                          "upstream_error", "context_cancelled"};
inline constexpr std::string_view kDropReasons[] = {"reader_behind", "outbox_full", "expired"};

inline constexpr FieldSpec kOomKill[] = {
    {"pid", F::integer, true, "PID of the killed process"},
    {"process_name", F::string, true,
     "comm of the killed process (at most 15 bytes, may contain spaces)"},
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
    {"message", F::string, true, "the raw \"Killed process\" kernel line"},
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
    {"close_code", F::integer, false, "code of the Close frame, when one was seen"},
};
inline constexpr FieldSpec kEventsDropped[] = {
    {"count", F::integer, true, "exact number of events missed"},
    {"from_seq", F::integer, false, "first seq that was missed"},
    {"reason", F::string, true, "why they were missed", kDropReasons},
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

inline constexpr EventSpec kEvents[] = {
    {"system_oom_kill", "system", false, "The kernel OOM killer killed a process.", kOomKill},
    {"service_crashed", "system", false, "A supervisord service exited unexpectedly or went FATAL.",
     kServiceCrashed},
    {"memory_pressure", "system", false, "The memory-pressure level changed (leading edge).",
     kMemoryPressure},
    {"cdp_connect", "cdp", false, "A CDP client connected through the proxy.", kCdpConnect},
    {"cdp_disconnect", "cdp", false, "A proxied CDP connection ended, with the true reason.",
     kCdpDisconnect},
    {"events_dropped", "system", true, "Events were lost; count is exact.", kEventsDropped},
    {"capture_session_started", "system", true, "A capture session started.", kCaptureStarted},
    {"session_ended", "system", true, "A capture session ended.", kSessionEnded},
};
}  // namespace schema_detail

inline constexpr std::span<const EventSpec> all_event_specs() {
    return schema_detail::kEvents;
}

// The spec of an event type, or nullptr for an unknown type.
inline constexpr const EventSpec* find_event_spec(std::string_view type) {
    for (const auto& s : schema_detail::kEvents)
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
    }
    return "?";
}

}  // namespace faultline
