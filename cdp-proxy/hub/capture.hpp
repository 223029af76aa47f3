// Capture sessions: which events are recorded and which carry a capture_session_id.
// system and cdp are always recorded; page, network and console only while a session asks
// for them. Not thread-safe; the hub calls it under its publish lock.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace faultline::hub {

struct CaptureSession {
    std::string id;
    std::vector<std::string> categories;
    int64_t started_ms = 0;  // wall clock
    uint64_t events_captured = 0;
};

struct CaptureDecision {
    bool record = false;
    std::optional<std::string> session_id;  // set when the event belongs to the active session
};

// Told the categories being captured after every change (empty = no session). Runs under the
// hub's publish lock: it must only hand the list over, never publish or block.
using CaptureObserver = std::function<void(const std::vector<std::string>&)>;

class CaptureState {
  public:
    // Starts a session. Returns false (and changes nothing) when one is already active.
    bool start(std::vector<std::string> categories, CaptureSession& started);
    // Replaces the active session's categories (same id). Returns false when none is active.
    bool update(std::vector<std::string> categories);
    void set_observer(CaptureObserver observer);
    // Ends the active session and returns it (events_captured final); nullopt when none.
    std::optional<CaptureSession> end();
    const CaptureSession* active() const { return active_ ? &*active_ : nullptr; }
    // Whether an event of this category is recorded now, and under which session; counts it.
    CaptureDecision decide(std::string_view category);

  private:
    void notify() const;

    CaptureObserver observer_;
    std::optional<CaptureSession> active_;
    uint64_t started_count_ = 0;
};

// Parses a POST /telemetry/capture body: {"categories":["page",...]} or empty (= every
// category). Returns false with a message naming the problem; categories are deduplicated.
bool parse_capture_request(std::string_view body, std::vector<std::string>& categories,
                           std::string& error);

}  // namespace faultline::hub
