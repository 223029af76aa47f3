// A nats.c connection from NatsOptions: servers, credentials (token, user/password, creds
// file, TLS), reconnecting for ever across server restarts and cluster failovers. Shared by
// the JetStream sink and faultline-tail --nats.
#pragma once

#include <nats/nats.h>

#include <string>

#include "hub/sinks/destination.hpp"
#include "hub/sinks/nats/options.hpp"

namespace faultline::hub::sinks::nats {

// closed: the last callback nats.c makes for a connection (after any disconnected one).
struct ConnectCallbacks {
    natsConnectionHandler disconnected = nullptr, reconnected = nullptr, closed = nullptr;
    void* closure = nullptr;
};

// Connects. On failure returns nullptr and fills err with the cause (connect, auth, tls) and
// nats.c's own words.
natsConnection* connect(const NatsOptions& o, const std::string& name, ConnectCallbacks cb,
                        SinkError& err);

// The cause label for a nats.c status.
Cause cause_of(natsStatus s);
// nats.c's description of the last error in this thread (or of s).
std::string nats_error_text(natsStatus s);

}  // namespace faultline::hub::sinks::nats
