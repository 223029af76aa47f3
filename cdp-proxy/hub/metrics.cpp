#include "hub/metrics.hpp"

#include <fmt/format.h>

#include <iterator>

namespace faultline::hub {

namespace {
constexpr std::array<std::string_view, 3> kReasons = {"reader_behind", "outbox_full", "expired"};
constexpr std::array<int, 4> kStatuses = {400, 403, 413, 503};

void head(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
    fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}
void sample(std::string& out, std::string_view name, uint64_t v) {
    fmt::format_to(std::back_inserter(out), "{} {}\n", name, v);
}
}  // namespace

size_t Metrics::status_index(int status) {
    for (size_t i = 0; i < kStatuses.size(); ++i)
        if (kStatuses[i] == status) return i;
    return kStatuses.size();
}

size_t Metrics::category_index(std::string_view c) {
    for (size_t i = 0; i < kCategories.size(); ++i)
        if (kCategories[i] == c) return i;
    return 0;
}

void Metrics::ingested(std::string_view type, std::string_view category, bool recorded) {
    const auto specs = all_event_specs();
    for (size_t i = 0; i < specs.size() && i < kMaxEventTypes; ++i)
        if (specs[i].type == type) ++ingested_[i];
    ++(recorded ? recorded_ : not_recorded_)[category_index(category)];
}

void Metrics::dropped(std::string_view reason, uint64_t n) {
    for (size_t i = 0; i < kReasons.size(); ++i)
        if (kReasons[i] == reason) dropped_[i] += n;
}

std::string Metrics::render(const MetricsSnapshot& s) const {
    std::string out;
    auto o = std::back_inserter(out);
    head(out, "faultline_hub_events_ingested_total", "counter",
         "Events accepted by the hub (duplicates excluded), by type.");
    const auto specs = all_event_specs();
    for (size_t i = 0; i < specs.size() && i < kMaxEventTypes; ++i)
        fmt::format_to(o, "faultline_hub_events_ingested_total{{type=\"{}\"}} {}\n", specs[i].type,
                       ingested_[i].load());
    head(out, "faultline_hub_events_recorded_total", "counter",
         "Accepted events that entered the stream (ring and journal), by category.");
    for (size_t i = 0; i < kCategories.size(); ++i)
        fmt::format_to(o, "faultline_hub_events_recorded_total{{category=\"{}\"}} {}\n",
                       kCategories[i], recorded_[i].load());
    head(out, "faultline_hub_events_not_recorded_total", "counter",
         "Accepted browser-content events not recorded because no capture session asked for them.");
    for (size_t i = 0; i < kCategories.size(); ++i)
        fmt::format_to(o, "faultline_hub_events_not_recorded_total{{category=\"{}\"}} {}\n",
                       kCategories[i], not_recorded_[i].load());
    head(out, "faultline_hub_duplicates_total", "counter",
         "Events ignored because their id was already stored (producer retries).");
    sample(out, "faultline_hub_duplicates_total", duplicates_.load());
    head(out, "faultline_hub_events_dropped_total", "counter",
         "Events lost, by reason: reader_behind (a slow SSE reader), outbox_full (reported by a "
         "producer), expired (asked-for events gone from ring and journal).");
    for (size_t i = 0; i < kReasons.size(); ++i)
        fmt::format_to(o, "faultline_hub_events_dropped_total{{reason=\"{}\"}} {}\n", kReasons[i],
                       dropped_[i].load());
    head(out, "faultline_hub_ingest_rejected_total", "counter",
         "Rejected POST /telemetry/events requests, by HTTP status.");
    for (size_t i = 0; i < kStatuses.size(); ++i)
        fmt::format_to(o, "faultline_hub_ingest_rejected_total{{status=\"{}\"}} {}\n", kStatuses[i],
                       rejected_[i].load());
    head(out, "faultline_hub_events_unsequenced_total", "counter",
         "In-process events not recorded because no reserved seq was left (the disk could not "
         "take seq.reserve).");
    sample(out, "faultline_hub_events_unsequenced_total", unsequenced_.load());
    head(out, "faultline_hub_schema_violations_total", "counter",
         "In-process events (monitor, proxy, hub) that do not match the event schema; each is "
         "logged and kept.");
    sample(out, "faultline_hub_schema_violations_total", schema_violations_.load());
    head(out, "faultline_hub_ring_events", "gauge", "Events held in the in-memory ring.");
    sample(out, "faultline_hub_ring_events", s.ring_events);
    head(out, "faultline_hub_ring_capacity", "gauge", "Capacity of the in-memory ring.");
    sample(out, "faultline_hub_ring_capacity", s.ring_capacity);
    head(out, "faultline_hub_last_seq", "gauge", "The newest seq assigned.");
    sample(out, "faultline_hub_last_seq", s.last_seq);
    head(out, "faultline_hub_sse_subscribers", "gauge", "Open GET /telemetry/stream readers.");
    sample(out, "faultline_hub_sse_subscribers", s.sse_subscribers);
    head(out, "faultline_hub_sse_max_subscribers", "gauge", "Reader cap (--max-subscribers).");
    sample(out, "faultline_hub_sse_max_subscribers", s.sse_max_subscribers);
    head(out, "faultline_hub_sse_opened_total", "counter", "SSE streams opened.");
    sample(out, "faultline_hub_sse_opened_total", sse_opened_.load());
    head(out, "faultline_hub_sse_rejected_total", "counter",
         "SSE streams refused with 503 because the reader cap was reached.");
    sample(out, "faultline_hub_sse_rejected_total", sse_rejected_.load());
    head(out, "faultline_hub_capture_active", "gauge", "1 while a capture session is active.");
    sample(out, "faultline_hub_capture_active", s.capture_active ? 1 : 0);
    if (!s.journal_enabled) return out;
    const JournalStats& j = s.journal;
    head(out, "faultline_hub_journal_bytes", "gauge", "Bytes in the journal's segments.");
    sample(out, "faultline_hub_journal_bytes", j.bytes);
    head(out, "faultline_hub_journal_segments", "gauge", "Journal segment files.");
    sample(out, "faultline_hub_journal_segments", j.segments);
    head(out, "faultline_hub_journal_writable", "gauge",
         "1 while the journal stores events; 0 while writes fail (ingest answers 503).");
    sample(out, "faultline_hub_journal_writable", j.writable ? 1 : 0);
    head(out, "faultline_hub_journal_errors_total", "counter",
         "Failed journal commits (write, fdatasync, segment or seq.reserve), by errno.");
    for (size_t i = 0; i < kJournalCauses.size(); ++i)
        fmt::format_to(o, "faultline_hub_journal_errors_total{{cause=\"{}\"}} {}\n",
                       kJournalCauses[i], j.errors_by_cause[i]);
    head(out, "faultline_hub_journal_queued_events", "gauge",
         "Events recorded but not yet durable in the journal.");
    sample(out, "faultline_hub_journal_queued_events", j.queued_records);
    head(out, "faultline_hub_journal_durable_seq", "gauge", "The newest seq durable on disk.");
    sample(out, "faultline_hub_journal_durable_seq", j.durable_seq);
    head(out, "faultline_hub_journal_reserved_seq", "gauge",
         "The persisted seq high-water mark (seq.reserve): no seq above it was handed out.");
    sample(out, "faultline_hub_journal_reserved_seq", j.reserved_seq);
    head(out, "faultline_hub_journal_unjournaled_total", "counter",
         "In-process events delivered to readers but not journaled (write queue full).");
    sample(out, "faultline_hub_journal_unjournaled_total", j.unjournaled);
    head(out, "faultline_hub_journal_fsync_seconds", "histogram", "Latency of journal fdatasync.");
    uint64_t cumulative = 0;
    for (size_t i = 0; i < kFsyncBuckets.size(); ++i) {
        cumulative += j.fsync_buckets[i];
        fmt::format_to(o, "faultline_hub_journal_fsync_seconds_bucket{{le=\"{}\"}} {}\n",
                       kFsyncBuckets[i], cumulative);
    }
    fmt::format_to(o, "faultline_hub_journal_fsync_seconds_bucket{{le=\"+Inf\"}} {}\n", j.fsyncs);
    fmt::format_to(o, "faultline_hub_journal_fsync_seconds_sum {}\n", j.fsync_seconds_sum);
    fmt::format_to(o, "faultline_hub_journal_fsync_seconds_count {}\n", j.fsyncs);
    return out;
}

}  // namespace faultline::hub
