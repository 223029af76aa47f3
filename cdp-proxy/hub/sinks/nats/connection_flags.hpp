// The flags that say how to reach a JetStream stream (--nats-stream and the credential and TLS
// flags), declared once for the NATS sink and faultline-tail --nats. Nothing here needs nats.c.
#pragma once

#include "faultline/cli.hpp"
#include "hub/sinks/nats/options.hpp"

namespace faultline::hub::sinks::nats {

// Adds --nats-stream, --nats-token, --nats-user, --nats-password, --nats-creds, --nats-tls,
// --nats-tls-ca, --nats-tls-cert and --nats-tls-key, each with its FAULTLINE_NATS_* twin.
void add_nats_connection_flags(FlagSet& flags, NatsOptions& o);

}  // namespace faultline::hub::sinks::nats
