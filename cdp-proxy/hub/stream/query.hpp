// Parsing of the stream and page query parameters: since / Last-Event-ID, limit,
// categories and types filters. Every parser rejects anything it does not fully understand
// with a message naming the parameter.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace faultline::hub {

// Which events a reader wants. Empty lists match everything.
struct StreamFilter {
    std::vector<std::string> categories;
    std::vector<std::string> types;
    // True when an event of this type and category passes the filter.
    bool matches(std::string_view type, std::string_view category) const;
};

struct StreamQuery {
    std::optional<uint64_t> after;  // resume after this seq; nullopt = live from now
    size_t limit = 0;               // page size (GET /telemetry/events only)
    StreamFilter filter;
    // The stream only: at most one write of events per batch (0 = each as it comes). For a
    // viewer that redraws a few times a second: fewer wake-ups for it and for the hub.
    std::chrono::milliseconds batch{0};
};

struct QueryError {
    std::string message;
    std::string parameter;
};

// A seq: 1-20 decimal digits, no sign, fits in uint64. nullopt otherwise.
std::optional<uint64_t> parse_seq(std::string_view s);
// A comma-separated list of known categories (empty items ignored). False on an unknown one.
bool parse_categories(std::string_view s, std::vector<std::string>& out, QueryError& err);
// A comma-separated list of known event types (empty items ignored). False on an unknown one.
bool parse_types(std::string_view s, std::vector<std::string>& out, QueryError& err);

// The raw parameters a request carries (nullopt = absent).
struct RawQuery {
    std::optional<std::string> since, last_event_id, limit, categories, types, batch_ms;
};

// Builds a StreamQuery. Last-Event-ID wins over since (it is what a reconnecting EventSource
// sends). limit applies when page is true: default 100, at most 10000; batch_ms when it is not:
// 0 to 1000. Returns false with err.
bool parse_stream_query(const RawQuery& raw, bool page, StreamQuery& q, QueryError& err);

}  // namespace faultline::hub
