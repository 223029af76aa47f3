#include "hub/flags.hpp"

namespace faultline::hub {

void add_hub_flags(FlagSet& flags, HubOptions& o, bool with_token) {
    flags.add_string("api-listen", &o.listen, "telemetry API address (port 0 = any free port)",
                     "HOST:PORT");
    flags.add_string("data-dir", &o.data_dir,
                     "journal directory (NDJSON segments); empty = no journal", "DIR");
    if (with_token)
        flags.add_string("token", &o.token,
                         "when set, the CDP proxy's /json/* and WebSocket upgrades need "
                         "?token=TOKEN or 'Authorization: Bearer TOKEN' (401 otherwise), and "
                         "telemetry producers off loopback are let in with it (403 otherwise)",
                         "TOKEN");
    flags.add_string("host", &o.host,
                     "this VM's name: source.host of every event this process emits (hub, CDP "
                     "proxy, monitor) and the host in sink subjects (default: the hostname)",
                     "NAME");
    flags.add_uint("max-body", &o.max_body, "largest POST body in bytes (413 past it)", "BYTES");
    flags.add_uint("max-subscribers", &o.max_subscribers,
                   "concurrent SSE readers (503 with Retry-After past it)");
    flags.add_uint("api-workers", &o.api_workers,
                   "telemetry API connections served at once besides the stream readers "
                   "(a thread each, started on demand); more wait in order");
    flags.add_uint("api-read-timeout", &o.read_timeout_seconds,
                   "drop a telemetry API client silent this long mid-request (headers or body)",
                   "SECONDS");
    flags.add_uint("api-head-timeout", &o.head_timeout_seconds,
                   "close a telemetry API connection whose request head (request line and "
                   "headers) is not complete this long after its first byte (0 = only the read "
                   "timeout applies)",
                   "SECONDS");
    flags.add_uint("ring-capacity", &o.ring_capacity, "events kept in memory for resuming readers");
    flags.add_uint("journal-commit-ms", &o.journal_commit_ms,
                   "group commit window: the journal writer gathers records this long before "
                   "one write + fdatasync (0 = right after the previous one); POST answers 200 "
                   "once its batch is durable",
                   "MS");
    flags.add_uint("ack-timeout-ms", &o.ack_timeout_ms,
                   "a batch not durable within this long is answered 503 (the producer retries)",
                   "MS");
    flags.add_uint("segment-bytes", &o.segment_bytes, "journal segment rotation size", "BYTES");
    flags.add_uint("retention-bytes", &o.retention_bytes,
                   "journal size kept; the oldest segments go first", "BYTES");
}

void add_hub_help(FlagSet& flags) {
    flags.add_section(
        "TELEMETRY API",
        "  POST /telemetry/events     ingest one JSON event or NDJSON (validated, deduplicated by "
        "id)\n"
        "  GET  /telemetry/stream     Server-Sent Events; resume with Last-Event-ID or "
        "?since=SEQ;\n"
        "                             filter with ?categories=system,cdp and ?types=...\n"
        "  GET  /telemetry/events     the same events as JSON pages (?since=SEQ&limit=N)\n"
        "  POST/DELETE /telemetry/capture   start/end a capture session {\"categories\":[...]}\n"
        "  GET/PUT/PATCH /telemetry   the same as configuration: "
        "{\"browser\":{\"page\":{\"enabled\":true}}}\n"
        "                             (PUT opt-in: 201 starts a session, 200 changes it; PATCH "
        "merges)\n"
        "  GET  /healthz, GET /metrics (Prometheus text)");
}

}  // namespace faultline::hub
