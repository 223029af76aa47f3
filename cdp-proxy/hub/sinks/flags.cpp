#include "hub/sinks/flags.hpp"

#include <fmt/format.h>

namespace faultline::hub::sinks {

void add_sink_flags(FlagSet& flags, std::string_view prefix, SinkFlagValues& v) {
    const std::string p(prefix);
    flags.add_string(p + "-categories", &v.categories,
                     "export only these categories (comma-separated; default: everything "
                     "recorded)",
                     "LIST");
    flags.add_string(p + "-types", &v.types,
                     "export only these event types (comma-separated; default: all)", "LIST");
    flags.add_uint(p + "-max-in-flight", &v.max_in_flight,
                   "events sent and not yet acknowledged, at most");
    flags.add_double(p + "-unhealthy-after", &v.unhealthy_after,
                     "/healthz reports the sink once it has been failing this long", "SECONDS");
}

bool sink_options(const SinkFlagValues& v, std::string_view name, SinkOptions& out,
                  std::string& error) {
    QueryError qe;
    out.name = std::string(name);
    if (!parse_categories(v.categories, out.filter.categories, qe) ||
        !parse_types(v.types, out.filter.types, qe)) {
        error = fmt::format("--{}-{}: {}", name, qe.parameter, qe.message);
        return false;
    }
    if (v.max_in_flight == 0) {
        error = fmt::format("--{}-max-in-flight: must be at least 1", name);
        return false;
    }
    out.max_in_flight = v.max_in_flight;
    out.unhealthy_after_seconds = v.unhealthy_after;
    return true;
}

void add_sinks_help(FlagSet& flags) {
    flags.add_section(
        "NATS JETSTREAM",
        "  With --nats every recorded event (or those --nats-categories/--nats-types pick) goes\n"
        "  to the stream as PREFIX.<host>.<category>.<type> with Nats-Msg-Id <instance>:<seq>.\n"
        "  The sink's cursor lives in DATA-DIR/sinks/nats.cursor and advances on each PubAck;\n"
        "  NATS errors are logged and counted (faultline_sink_* in /metrics), never fatal.");
    flags.add_section(
        "S2 AND OPENTELEMETRY",
        "  --s2-basin/--s2-stream append every event (or those --s2-categories/--s2-types pick)\n"
        "  to one S2 stream, exactly once (match_seq_num; a retry reads back what landed);\n"
        "  --otlp-endpoint exports them as OTLP/HTTP log records. Cursors in DATA-DIR/sinks/;\n"
        "  errors are logged and counted (faultline_sink_* in /metrics); a 4xx that retrying\n"
        "  cannot fix (wrong token, basin, stream) stops that sink, never the hub.\n"
        "  https:// needs a build with TLS (Debian's cpp-httplib has it; the static build not).");
}

}  // namespace faultline::hub::sinks
