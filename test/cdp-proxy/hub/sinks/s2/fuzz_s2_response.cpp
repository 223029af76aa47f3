// libFuzzer: every S2 answer parser on arbitrary bytes (no crash, no hang, no sanitizer report),
// and a parsed ReadBatch's keys through already_written.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "hub/sinks/s2/s2_response.hpp"
#include "hub/sinks/s2/s2_writer.hpp"

using namespace faultline::hub::sinks::s2;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    std::string err;
    S2AppendAck ack;
    parse_append_ack(in, ack, err);
    S2ConditionFailed c;
    parse_condition_failed(in, c, err);
    uint64_t tail = 0;
    parse_tail(in, tail, err);
    S2ReadBatch batch;
    if (parse_read_batch(in, batch, err)) {
        std::vector<S2Record> pending{{1, "t", "h:1", "{}"}, {2, "t", "h:2", "{}"}};
        if (already_written(pending, batch.records) > pending.size()) __builtin_trap();
    }
    error_summary(in);
    encode_path_segment(in);
    return 0;
}
