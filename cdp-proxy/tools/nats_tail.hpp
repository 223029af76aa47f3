// faultline-tail --nats: follows a fleet's JetStream stream (an ordered consumer) and prints
// one readable line per event, with the host (VM) it came from.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "faultline/cli.hpp"
#include "hub/sinks/nats/options.hpp"

namespace faultline::tail {

struct NatsTailOptions {
    faultline::hub::sinks::nats::NatsOptions nats;  // servers, stream, subject, credentials
    std::string from = "now";                       // start, now, or an RFC 3339 time
};

// Adds --nats, --nats-stream, --nats-subject, --nats-from and the credential flags.
void add_nats_tail_flags(FlagSet& flags, NatsTailOptions& o);

// Follows the stream until count events were printed (0 = for ever). Categories and types
// filter as the hub's stream does. Returns the exit status (1 with a message on errors).
int follow_nats(const NatsTailOptions& o, const std::vector<std::string>& categories,
                const std::vector<std::string>& types, bool raw, uint64_t count);

// Splits a comma list of categories (or event types), checking each against the schema.
bool parse_names(const std::string& list, bool categories, std::vector<std::string>& out,
                 std::string& error);

// The <host> token of a subject PREFIX.<host>.<category>.<type>; "" when it is not one.
std::string subject_host(const std::string& prefix, const std::string& subject);

}  // namespace faultline::tail
