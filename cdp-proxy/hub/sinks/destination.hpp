// What a sink exports to (NATS JetStream here; S2 and OTLP use the same interface). The sink
// owns ordering, cursor, retries and filtering; a destination only connects, sends and reports
// each event's acknowledgement (or failure) back, from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace faultline::hub::sinks {

// Why an export failed: the label of faultline_sink_failures_total{cause=...}.
enum class Cause {
    connect,
    auth,
    tls,
    disconnected,
    timeout,
    no_responders,
    stream,
    rejected,
    publish
};
inline constexpr std::string_view kCauseNames[] = {"connect",      "auth",     "tls",
                                                   "disconnected", "timeout",  "no_responders",
                                                   "stream",       "rejected", "publish"};
inline constexpr size_t kCauses = std::size(kCauseNames);

// Typed, not a plain error string: the cause is the failure metric's label.
struct SinkError {
    Cause cause = Cause::publish;
    std::string message;
};

// One event as the destination sends it. Views stay valid until send() returns.
struct SinkEvent {
    uint64_t seq = 0;
    std::string_view host, type, category;
    std::string_view json;     // the envelope, exactly as the hub journals it
    std::string_view key;      // "<hub instance id>:<seq>": the destination drops a repeat of it
    uint64_t recorded_ns = 0;  // when the hub recorded it (Unix nanoseconds; 0 = unknown)
};

// How a destination reports back. Callable from the destination's own threads.
class AckReceiver {
  public:
    virtual ~AckReceiver() = default;
    virtual void acked(uint64_t seq) = 0;
    virtual void failed(uint64_t seq, SinkError err) = 0;
    // An attempt failed and the destination deals with it itself (the HTTP sinks retry their
    // batch, `resent` events, or give it up): counted and shown, the sink does not rewind.
    virtual void attempt_failed(SinkError err, size_t resent) = 0;
    // The connection dropped (up = false) or came back (up = true).
    virtual void connection(bool up, std::string_view message) = 0;
};

class Destination {
  public:
    virtual ~Destination() = default;
    // Connects and checks what it needs (e.g. that the stream exists and covers the
    // subjects). Called from the sink's thread, again after a backoff, until it succeeds.
    virtual bool open(AckReceiver& rx, SinkError& err) = 0;
    // True while sends can go out (connected).
    virtual bool ready() const = 0;
    // Queues one event; its ack or failure arrives later through the receiver. False when it
    // could not be queued (the sink sends it again later).
    virtual bool send(const SinkEvent& ev, SinkError& err) = 0;
    // Forgets every send still waiting for its ack: the sink has rewound and sends them again
    // (a late ack of a forgotten send is dropped, the repeat is dropped by its key).
    virtual void abandon() {}
    // Releases the connection. No callback arrives after it returns. Idempotent.
    virtual void close() = 0;
};

}  // namespace faultline::hub::sinks
