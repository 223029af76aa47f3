// The NATS JetStream destination (nats.c): asynchronous publishes with a bounded number in
// flight, each with Nats-Msg-Id = the event's idempotency key, so a publish retried inside the
// stream's duplicate window is stored once; the ack handler reports each PubAck to the sink.
// nats.c reconnects across server restarts and cluster failovers; while disconnected the sink
// holds back (ready() is false).
#pragma once

#include <nats/nats.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>

#include "faultline/log.hpp"
#include "hub/sinks/destination.hpp"
#include "hub/sinks/nats/options.hpp"

namespace faultline::hub::sinks::nats {

class JetStreamDestination : public Destination {
  public:
    // host: the hub's (the <host> token of every subject); log: the sink's (Hub::sink_log).
    JetStreamDestination(NatsOptions o, std::string host, size_t max_in_flight, LogFn log);
    ~JetStreamDestination() override;

    bool open(AckReceiver& rx, SinkError& err) override;
    bool ready() const override { return ready_; }
    bool send(const SinkEvent& ev, SinkError& err) override;
    void abandon() override;
    void close() override;

  private:
    static void on_ack(jsCtx*, natsMsg* msg, jsPubAck* pa, jsPubAckErr* pae, void* self);
    static void on_disconnected(natsConnection* nc, void* self);
    static void on_reconnected(natsConnection* nc, void* self);
    static void on_closed(natsConnection* nc, void* self);
    bool connect(SinkError& err);
    void close_connection();
    const std::string& subject(const SinkEvent& ev);

    NatsOptions o_;
    std::string host_;
    size_t max_in_flight_;
    LogFn log_;
    AckReceiver* rx_ = nullptr;
    natsConnection* nc_ = nullptr;
    jsCtx* js_ = nullptr;
    bool stream_ok_ = false;
    std::atomic<bool> ready_{false};
    std::atomic<bool> recheck_{false};  // reconnected: check the stream before publishing
    std::atomic<bool> closing_{false};  // close() under way: its disconnect is no failure
    // Set by nats.c's closed callback (its last for a connection); close_connection() waits
    // for it.
    std::mutex closed_mu_;
    std::condition_variable closed_cv_;
    bool closed_ = false;
    // Subjects by event type (transparent lookup by string_view), and the key's C string.
    std::map<std::string, std::string, std::less<>> subjects_;
    std::string key_;
};

}  // namespace faultline::hub::sinks::nats
