// libFuzzer target: arbitrary bytes as a --kmsg stream through the framer, the record parser,
// the OOM line parser and the correlator; each record's message also parsed on its own.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "oom/correlator.hpp"
#include "oom/event.hpp"
#include "oom/kmsg_record.hpp"
#include "oom/record_framer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    faultline::kmsgmon::RecordFramer framer;
    faultline::kmsgmon::OomCorrelator correlator;
    auto sink = [&](std::string_view raw) {
        faultline::kmsgmon::KmsgRecord rec;
        std::string why;
        if (!faultline::kmsgmon::parse_kmsg_record(raw, rec, why)) {
            if (why.empty()) std::abort();  // a refusal always says why
            return;
        }
        rec.pri &= 7;  // as if from the kernel, so the correlator looks at every line
        if (auto kill = correlator.feed(rec)) (void)faultline::kmsgmon::system_oom_kill_data(*kill);
    };
    // Two feeds split in the middle exercise partial lines.
    framer.feed(bytes.substr(0, size / 2), sink);
    framer.feed(bytes.substr(size / 2), sink);
    framer.finish(sink);
    (void)faultline::kmsgmon::parse_oom_line(bytes);
    return 0;
}
