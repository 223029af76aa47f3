// What a reader that exports only stored events (a sink) needs of the hub: the newest durable
// seq, a wait for a newer one, a reader after a seq, and the names that make an event's key
// and origin. The hub implements it; sinks see nothing else of it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "hub/metrics.hpp"
#include "hub/stream/reader.hpp"

namespace faultline::hub {

class DurableStream {
  public:
    virtual ~DurableStream() = default;
    // The newest seq whose record (and every one before it) is stored.
    virtual uint64_t durable_seq() const = 0;
    // Waits until durable_seq() > after or the timeout; true when it is.
    virtual bool wait_durable(uint64_t after, std::chrono::milliseconds timeout) const = 0;
    // A reader of the stream after seq after (ring, then journal); its notices count in metrics.
    virtual std::unique_ptr<StreamReader> open_reader(uint64_t after, Metrics& metrics) const = 0;
    // Random, kept in the data dir: "<instance id>:<seq>" is an event's idempotency key.
    virtual const std::string& instance_id() const = 0;
    // source.host of the hub's own events.
    virtual const std::string& host() const = 0;
};

}  // namespace faultline::hub
