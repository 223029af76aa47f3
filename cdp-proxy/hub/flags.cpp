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
                     "this VM's name in the hub's own events and in sink subjects (default: the "
                     "hostname)",
                     "NAME");
    flags.add_uint("max-body", &o.max_body, "largest POST body in bytes (413 past it)", "BYTES");
    flags.add_uint("max-subscribers", &o.max_subscribers,
                   "concurrent SSE readers (503 with Retry-After past it)");
    flags.add_uint("ring-capacity", &o.ring_capacity, "events kept in memory for resuming readers");
    flags.add_uint("fsync-interval-ms", &o.fsync_interval_ms,
                   "journal fsync batching: kill -9 loses at most this window", "MS");
    flags.add_uint("segment-bytes", &o.segment_bytes, "journal segment rotation size", "BYTES");
    flags.add_uint("retention-bytes", &o.retention_bytes,
                   "journal size kept; the oldest segments go first", "BYTES");
}

}  // namespace faultline::hub
