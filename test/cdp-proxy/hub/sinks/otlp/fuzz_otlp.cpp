// libFuzzer: the collector-answer parsers (partialSuccess in JSON and protobuf, error bodies),
// Retry-After, RFC 3339, OTEL headers, and both log encoders on an arbitrary "envelope".
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "hub/sinks/otlp/logs_encoder.hpp"
#include "hub/sinks/otlp/otlp_exporter.hpp"
#include "hub/sinks/otlp/otlp_response.hpp"
#include "hub/sinks/retry_after.hpp"

using namespace faultline::hub::sinks;
using namespace faultline::hub::sinks::otlp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    PartialSuccess a, b;
    parse_partial_success_json(in, a);
    parse_partial_success_protobuf(in, b);
    error_message(in, true);
    error_message(in, false);
    parse_retry_after(in, 1700000000);
    HttpHeaders h;
    std::string err;
    parse_otlp_headers(in, h, err);
    OtlpResource r{"faultline", "host", "v"};
    OtlpInput e{in, "k:1", 1};
    encode_logs_json(r, {&e, 1});
    encode_logs_protobuf(r, {&e, 1});
    return 0;
}
