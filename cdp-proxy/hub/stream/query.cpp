#include "hub/stream/query.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "faultline/schema.hpp"

namespace faultline::hub {

namespace {
constexpr size_t kDefaultLimit = 100, kMaxLimit = 10000;
constexpr uint64_t kMaxBatchMs = 1000;  // ?batch_ms: a viewer waits at most a second

// Splits a comma list, checking each item with known(); keeps first occurrences only.
template <class Known>
bool parse_list(std::string_view s, std::string_view param, std::string_view what, Known known,
                std::vector<std::string>& out, QueryError& err) {
    out.clear();
    size_t start = 0;
    while (start <= s.size()) {
        size_t comma = s.find(',', start);
        if (comma == std::string_view::npos) comma = s.size();
        std::string_view item = s.substr(start, comma - start);
        start = comma + 1;
        if (item.empty()) continue;
        if (!known(item)) {
            err = {fmt::format("unknown {} '{}' in '{}'", what, item.substr(0, 64), param),
                   std::string(param)};
            return false;
        }
        if (std::find(out.begin(), out.end(), item) == out.end()) out.emplace_back(item);
    }
    return true;
}

bool contains(const std::vector<std::string>& v, std::string_view s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}
}  // namespace

bool StreamFilter::matches(std::string_view type, std::string_view category) const {
    return (categories.empty() || contains(categories, category)) &&
           (types.empty() || contains(types, type));
}

std::optional<uint64_t> parse_seq(std::string_view s) {
    if (s.empty() || s.size() > 20) return std::nullopt;
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return v;
}

bool parse_categories(std::string_view s, std::vector<std::string>& out, QueryError& err) {
    return parse_list(s, "categories", "category", is_known_category, out, err);
}

bool parse_types(std::string_view s, std::vector<std::string>& out, QueryError& err) {
    return parse_list(
        s, "types", "event type", [](std::string_view t) { return find_event_spec(t) != nullptr; },
        out, err);
}

bool parse_stream_query(const RawQuery& raw, bool page, StreamQuery& q, QueryError& err) {
    q = StreamQuery{};
    auto seq_param = [&](const std::optional<std::string>& v, std::string_view name) {
        if (!v) return true;
        q.after = parse_seq(*v);
        if (!q.after)
            err = {fmt::format("'{}' must be a seq (a non-negative integer), got '{}'", name,
                               v->substr(0, 64)),
                   std::string(name)};
        return q.after.has_value();
    };
    if (raw.last_event_id && !raw.last_event_id->empty()) {
        if (!seq_param(raw.last_event_id, "Last-Event-ID")) return false;
    } else if (!seq_param(raw.since, "since")) {
        return false;
    }
    if (page) {
        q.limit = kDefaultLimit;
        if (raw.limit) {
            auto n = parse_seq(*raw.limit);
            if (!n || *n == 0 || *n > kMaxLimit) {
                err = {fmt::format("'limit' must be an integer from 1 to {}, got '{}'", kMaxLimit,
                                   raw.limit->substr(0, 64)),
                       "limit"};
                return false;
            }
            q.limit = static_cast<size_t>(*n);
        }
        if (!q.after) q.after = 0;  // a page without since starts at the oldest retained
    }
    if (!page && raw.batch_ms) {
        auto ms = parse_seq(*raw.batch_ms);
        if (!ms || *ms > kMaxBatchMs) {
            err = {fmt::format("'batch_ms' must be an integer from 0 to {} (ms between writes), "
                               "got '{}'",
                               kMaxBatchMs, raw.batch_ms->substr(0, 64)),
                   "batch_ms"};
            return false;
        }
        q.batch = std::chrono::milliseconds(*ms);
    }
    if (raw.categories && !parse_categories(*raw.categories, q.filter.categories, err))
        return false;
    if (raw.types && !parse_types(*raw.types, q.filter.types, err)) return false;
    return true;
}

}  // namespace faultline::hub
