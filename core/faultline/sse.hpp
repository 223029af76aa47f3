// Server-Sent Events: framing for the hub, and an incremental parser for tests and tools
// (WHATWG rules: CRLF/LF/CR line ends, leading BOM, comments, id/event/data/retry).
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace faultline {

// One event frame. A data payload with newlines becomes several data: lines.
inline std::string sse_frame(uint64_t id, std::string_view event, std::string_view data) {
    std::string out = fmt::format("id: {}\nevent: {}\n", id, event);
    size_t start = 0;
    while (true) {
        size_t nl = data.find('\n', start);
        out.append("data: ");
        out.append(data.substr(start, nl == std::string_view::npos ? nl : nl - start));
        out.push_back('\n');
        if (nl == std::string_view::npos) break;
        start = nl + 1;
    }
    out.push_back('\n');
    return out;
}

// A comment line (heartbeat); clients ignore it.
inline std::string sse_comment(std::string_view text) {
    return fmt::format(": {}\n\n", text);
}

inline std::string sse_retry(unsigned ms) {
    return fmt::format("retry: {}\n\n", ms);
}

struct SseEvent {
    std::string id;     // last event id in effect when dispatched
    std::string event;  // "message" when not given
    std::string data;
};

class SseParser {
  public:
    using Handler = std::function<void(const SseEvent&)>;

    explicit SseParser(Handler on_event) : on_event_(std::move(on_event)) {}

    // Feeds a chunk of the stream; complete events go to the handler.
    void feed(std::string_view chunk) {
        for (char c : chunk) {
            if (!bom_checked_) {
                bom_.push_back(c);
                if (std::string_view("\xEF\xBB\xBF").starts_with(bom_)) {
                    if (bom_.size() == 3) bom_checked_ = true, bom_.clear();
                    continue;
                }
                bom_checked_ = true;
                std::string pending = std::move(bom_);
                for (char p : pending) byte(p);
                continue;
            }
            byte(c);
        }
    }

    std::optional<unsigned> retry_ms() const { return retry_; }
    const std::string& last_event_id() const { return last_id_; }
    size_t comments() const { return comments_; }

  private:
    void byte(char c) {
        if (c == '\n' && after_cr_) {
            after_cr_ = false;
            return;
        }
        after_cr_ = c == '\r';
        if (c == '\r' || c == '\n') {
            line(line_);
            line_.clear();
        } else {
            line_.push_back(c);
        }
    }

    void line(std::string_view l) {
        if (l.empty()) return dispatch();
        if (l.front() == ':') {
            ++comments_;
            return;
        }
        size_t colon = l.find(':');
        std::string_view field = l.substr(0, colon);
        std::string_view value;
        if (colon != std::string_view::npos) {
            value = l.substr(colon + 1);
            if (value.starts_with(' ')) value.remove_prefix(1);
        }
        if (field == "event")
            event_.assign(value);
        else if (field == "data")
            data_.append(value).push_back('\n');
        else if (field == "id" && value.find('\0') == std::string_view::npos)
            last_id_.assign(value);
        else if (field == "retry" && !value.empty() && value.size() <= 9 &&
                 value.find_first_not_of("0123456789") == std::string_view::npos)
            retry_ = static_cast<unsigned>(std::stoul(std::string(value)));
    }

    void dispatch() {
        if (!data_.empty()) {
            data_.pop_back();  // the trailing LF
            on_event_(SseEvent{last_id_, event_.empty() ? "message" : event_, std::move(data_)});
        }
        data_.clear();
        event_.clear();
    }

    Handler on_event_;
    std::string line_, data_, event_, last_id_, bom_;
    std::optional<unsigned> retry_;
    size_t comments_ = 0;
    bool after_cr_ = false, bom_checked_ = false;
};

}  // namespace faultline
