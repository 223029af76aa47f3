#include "hub/sinks/s2/flags.hpp"

#include <cstdlib>

#include "hub/sinks/flags.hpp"
#include "hub/sinks/http_destination.hpp"
#include "hub/sinks/s2/s2_writer.hpp"

namespace faultline::hub::sinks::s2 {

void add_s2_flags(FlagSet& flags, S2FlagValues& v) {
    flags.add_string("s2-basin", &v.basin, "export every recorded event to this S2 basin", "BASIN");
    flags.add_string("s2-stream", &v.stream,
                     "the one S2 stream of this hub (with --s2-basin); created beforehand", "NAME");
    flags.add_string("s2-token", &v.token,
                     "S2 access token (also read from S2_ACCESS_TOKEN); never logged", "TOKEN");
    flags.add_string("s2-endpoint", &v.endpoint,
                     "S2 basin endpoint; {basin} is replaced. For s2-lite: http://HOST:PORT "
                     "(the basin then goes in the S2-Basin header)",
                     "URL");
    flags.add_uint("s2-timeout-ms", &v.timeout_ms,
                   "an S2 request not answered this long is retried", "MS");
    add_sink_flags(flags, "s2", v.sink);
}

bool add_s2_sink(SinkRegistry& registry, S2FlagValues v, std::string& error) {
    if (!v.wanted()) return true;
    if (v.basin.empty() || v.stream.empty())
        return error = "--s2-basin and --s2-stream go together", false;
    if (v.token.empty())
        if (const char* t = std::getenv("S2_ACCESS_TOKEN")) v.token = t;
    if (v.timeout_ms < 100) return error = "--s2-timeout-ms: at least 100", false;
    SinkOptions so;
    if (!sink_options(v.sink, "s2", so, error)) return false;
    S2Options o;
    o.basin = v.basin, o.stream = v.stream, o.token = v.token, o.endpoint = v.endpoint;
    o.timeout = std::chrono::milliseconds(v.timeout_ms);
    o.log = registry.sink_log("s2");
    auto writer = std::make_unique<S2Writer>(o);
    if (!writer->open(error)) return false;
    if (o.token.empty() && o.endpoint == kCloudBasinEndpoint)
        return error = "--s2-token (or S2_ACCESS_TOKEN) is needed for S2's cloud endpoint", false;
    // Batches of up to S2's 1000 records, a partial one waiting kLinger.
    registry.add_sink(
        std::make_unique<HttpDestination>(std::move(writer), kMaxBatchRecords, kLinger),
        std::move(so));
    return true;
}

}  // namespace faultline::hub::sinks::s2
