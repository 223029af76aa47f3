// Settings of the NATS JetStream sink (flags in hub/sinks/nats/flags).
#pragma once

#include <cstdint>
#include <string>

#include "hub/sinks/flag_values.hpp"

namespace faultline::hub::sinks::nats {

struct NatsOptions {
    std::string servers;  // --nats URL[,URL...]; empty = no NATS sink
    std::string stream = "FAULTLINE";
    std::string subject = "faultline";  // prefix of <prefix>.<host>.<category>.<type>
    std::string token, user, password, creds;
    bool tls = false;
    std::string tls_ca, tls_cert, tls_key;
    bool create_stream = true;
    uint64_t replicas = 1;
    uint64_t max_age_seconds = 0;  // 0 = kept until the stream's other limits apply
    uint64_t duplicate_window_seconds = 120;
    uint64_t ack_timeout_ms = 5000;
    SinkFlagValues sink;
};

}  // namespace faultline::hub::sinks::nats
