// The hub's command-line flags (each with its FAULTLINE_* environment twin).
#pragma once

#include "faultline/cli.hpp"
#include "hub/hub.hpp"

namespace faultline::hub {

// Adds --api-listen, --data-dir, --host, --max-body, --max-subscribers, --api-workers,
// --api-read-timeout, --api-head-timeout, --ring-capacity, --journal-commit-ms, --ack-timeout-ms,
// --segment-bytes,
// --retention-bytes and, with_token, --token.
void add_hub_flags(FlagSet& flags, HubOptions& o, bool with_token = true);

// Adds the --help section on the telemetry API's endpoints.
void add_hub_help(FlagSet& flags);

}  // namespace faultline::hub
