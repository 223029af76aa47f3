#include "hub/sinks/nats/connection_flags.hpp"

namespace faultline::hub::sinks::nats {

void add_nats_connection_flags(FlagSet& flags, NatsOptions& o) {
    flags.add_string("nats-stream", &o.stream, "JetStream stream name", "NAME");
    flags.add_string("nats-token", &o.token, "NATS authentication token", "TOKEN");
    flags.add_string("nats-user", &o.user, "NATS user name (with --nats-password)", "USER");
    flags.add_string("nats-password", &o.password, "NATS password", "PASSWORD");
    flags.add_string("nats-creds", &o.creds, "NATS credentials file (JWT and NKey seed)", "FILE");
    flags.add_bool("nats-tls", &o.tls, "require TLS to the NATS servers");
    flags.add_string("nats-tls-ca", &o.tls_ca, "CA certificates to verify the servers with",
                     "FILE");
    flags.add_string("nats-tls-cert", &o.tls_cert, "client certificate (with --nats-tls-key)",
                     "FILE");
    flags.add_string("nats-tls-key", &o.tls_key, "client private key", "FILE");
}

}  // namespace faultline::hub::sinks::nats
