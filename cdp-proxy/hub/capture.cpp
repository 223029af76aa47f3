#include "hub/capture.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <simdjson.h>

#include <algorithm>
#include <random>

#include "faultline/clock.hpp"
#include "faultline/schema.hpp"

namespace faultline::hub {

namespace {
std::string new_session_id(uint64_t n) {
    std::random_device rd;
    return fmt::format("cap-{:08x}-{}", rd(), n);
}
bool contains(const std::vector<std::string>& v, std::string_view s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}
}  // namespace

bool CaptureState::start(std::vector<std::string> categories, CaptureSession& started) {
    if (active_) return false;
    active_ =
        CaptureSession{new_session_id(++started_count_), std::move(categories), wall_now_ms(), 0};
    started = *active_;
    notify();
    return true;
}

bool CaptureState::update(std::vector<std::string> categories) {
    if (!active_) return false;
    active_->categories = std::move(categories);
    notify();
    return true;
}

std::optional<CaptureSession> CaptureState::end() {
    std::optional<CaptureSession> ended = std::move(active_);
    active_.reset();
    if (ended) notify();
    return ended;
}

void CaptureState::set_observer(CaptureObserver observer) {
    observer_ = std::move(observer);
    notify();
}

void CaptureState::notify() const {
    if (observer_) observer_(active_ ? active_->categories : std::vector<std::string>{});
}

// monitor_* events ride along with any CDP-monitor category (the replaced system's telemetry spec,
// §2.1), or when asked for.
static bool captures(const std::vector<std::string>& cats, std::string_view category) {
    if (contains(cats, category)) return true;
    return category == "monitor" && std::any_of(cats.begin(), cats.end(), [](const auto& c) {
               return is_monitor_category(c);
           });
}

CaptureDecision CaptureState::decide(std::string_view category) {
    CaptureDecision d;
    const bool in_session = active_ && captures(active_->categories, category);
    d.record = in_session || is_always_on_category(category);
    if (in_session) {
        d.session_id = active_->id;
        ++active_->events_captured;
    }
    return d;
}

bool parse_capture_request(std::string_view body, std::vector<std::string>& categories,
                           std::string& error) {
    categories.clear();
    if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
        for (auto c : kCategories) categories.emplace_back(c);
        return true;
    }
    simdjson::padded_string input(body);
    simdjson::ondemand::parser parser;
    simdjson::ondemand::document doc;
    simdjson::ondemand::object obj;
    if (parser.iterate(input).get(doc) || doc.get_object().get(obj)) {
        error = "body must be a JSON object like {\"categories\":[\"page\",\"network\"]}";
        return false;
    }
    bool have = false;
    for (auto f : obj) {
        simdjson::ondemand::field field;
        std::string_view key;
        if (std::move(f).get(field) || field.unescaped_key().get(key)) {
            error = "invalid JSON in body";
            return false;
        }
        if (key != "categories") {
            error = fmt::format("unknown field '{}' (only 'categories' is allowed)", key);
            return false;
        }
        simdjson::ondemand::array arr;
        if (field.value().get_array().get(arr)) {
            error = "field 'categories' must be an array of strings";
            return false;
        }
        for (auto item : arr) {
            std::string_view s;
            if (item.get_string().get(s)) {
                error = "field 'categories' must be an array of strings";
                return false;
            }
            if (!is_known_category(s)) {
                error = fmt::format("unknown category '{}' (known: {})", s,
                                    fmt::join(kCategories, ", "));
                return false;
            }
            if (!contains(categories, s)) categories.emplace_back(s);
        }
        have = true;
    }
    const char* loc = nullptr;
    if (doc.current_location().get(loc) != simdjson::OUT_OF_BOUNDS) {
        error = "invalid JSON in body (trailing content)";
        return false;
    }
    if (!have) {
        error = "missing field 'categories'";
        return false;
    }
    return true;
}

}  // namespace faultline::hub
