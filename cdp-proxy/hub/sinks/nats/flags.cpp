#include "hub/sinks/nats/flags.hpp"

#include <fmt/format.h>

#include "hub/sinks/flags.hpp"
#include "hub/sinks/nats/connection_flags.hpp"
#include "hub/sinks/nats/subject.hpp"

#if FAULTLINE_HAVE_NATS
#include "hub/sinks/nats/jetstream.hpp"
#endif

namespace faultline::hub::sinks::nats {

void add_nats_flags(FlagSet& flags, NatsOptions& o) {
    flags.add_string("nats", &o.servers,
                     "export every recorded event to NATS JetStream: a cluster's seed servers "
                     "(nats://HOST:PORT, tls://HOST:PORT), comma-separated",
                     "URL[,URL...]");
    flags.add_string("nats-subject", &o.subject,
                     "subject prefix: events go to PREFIX.<host>.<category>.<type>", "PREFIX");
    add_nats_connection_flags(flags, o);
    flags.add_bool("nats-create-stream", &o.create_stream,
                   "create the stream when it is missing (=false: only check it)");
    flags.add_uint("nats-replicas", &o.replicas, "replicas of a created stream (1-5)");
    flags.add_uint("nats-max-age", &o.max_age_seconds,
                   "a created stream drops events older than this (0 = no age limit)", "SECONDS");
    flags.add_uint("nats-duplicate-window", &o.duplicate_window_seconds,
                   "a created stream drops a repeated event key within this window", "SECONDS");
    flags.add_uint("nats-ack-timeout-ms", &o.ack_timeout_ms,
                   "a publish not acknowledged this long is sent again", "MS");
    add_sink_flags(flags, "nats", o.sink);
}

namespace {
bool check(const NatsOptions& o, std::string& error) {
    std::vector<std::string> urls;
    if (!parse_server_list(o.servers, urls, error)) {
        error = "--nats: " + error;
        return false;
    }
    if (!valid_subject_prefix(o.subject, error)) {
        error = "--nats-subject: " + error;
        return false;
    }
    if (o.stream.empty() || o.stream.find_first_of(" .*>/\\\t") != std::string::npos) {
        error = fmt::format(
            "--nats-stream '{}': a stream name has no spaces, '.', '*', '>' or "
            "slashes",
            o.stream);
        return false;
    }
    if (o.replicas < 1 || o.replicas > 5) {
        error = "--nats-replicas: JetStream allows 1 to 5 replicas";
        return false;
    }
    if (o.user.empty() != o.password.empty()) {
        error = "--nats-user and --nats-password go together";
        return false;
    }
    if (o.tls_cert.empty() != o.tls_key.empty()) {
        error = "--nats-tls-cert and --nats-tls-key go together";
        return false;
    }
    if (o.ack_timeout_ms < 100) {
        error = "--nats-ack-timeout-ms: at least 100";
        return false;
    }
    return true;
}
}  // namespace

bool add_nats_sink(SinkRegistry& registry, const NatsOptions& o, std::string& error) {
    SinkOptions so;
    if (!check(o, error) || !sink_options(o.sink, "nats", so, error)) return false;
#if FAULTLINE_HAVE_NATS
    registry.add_sink(std::make_unique<JetStreamDestination>(o, registry.host(), so.max_in_flight,
                                                             registry.sink_log("nats")),
                      std::move(so));
    return true;
#else
    (void)registry;
#if FAULTLINE_STATIC_BUILD
    error =
        "--nats: this static cdp-proxy was built without NATS support (nats.c source missing "
        "or --no-nats: rebuild with packaging/build-static.sh, which fetches it)";
#else
    error =
        "--nats: this cdp-proxy was built without NATS support (libnats-dev was missing at "
        "build time; install it and rebuild with -Dnats=enabled)";
#endif
    return false;
#endif
}

}  // namespace faultline::hub::sinks::nats
