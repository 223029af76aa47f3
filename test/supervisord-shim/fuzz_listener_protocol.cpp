// libFuzzer target for the supervisord envelope parser and the crash mapping: any bytes, split
// at fuzzer-chosen points, must neither crash nor hang, and split reads must give the same
// messages as one read.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "event_mapping.hpp"
#include "listener_protocol.hpp"

using namespace faultline::shim;

namespace {
struct Seen {
    bool malformed;
    std::string eventname, payload;
    bool operator==(const Seen&) const = default;
};

// Feeds `data` in chunks of the given sizes (cycled); returns the messages completed.
std::vector<Seen> run(std::string_view data, std::string_view sizes) {
    ProtocolReader r;
    std::vector<Seen> out;
    size_t k = 0;
    while (!data.empty()) {
        size_t chunk =
            sizes.empty() ? data.size() : 1 + static_cast<uint8_t>(sizes[k++ % sizes.size()]);
        std::string_view part = data.substr(0, chunk);
        data.remove_prefix(part.size());
        while (!part.empty() || r.has_message()) {
            size_t n = r.feed(part);
            part.remove_prefix(n);
            if (!r.has_message()) {
                if (n == 0 && !part.empty()) __builtin_trap();  // no progress: would hang
                continue;
            }
            Message m = r.take();
            if (!m.malformed) {
                Mapping mp = map_event(m.envelope.eventname, m.payload);
                if (mp.kind == Mapping::Kind::crash) (void)crash_data_json(mp.crash);
            }
            if (m.payload.size() > kMaxStoredPayload) __builtin_trap();
            out.push_back({m.malformed, m.envelope.eventname, m.payload});
        }
    }
    return out;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // The first byte says how many of the following bytes are chunk sizes.
    if (size == 0) return 0;
    size_t nsizes = std::min<size_t>(data[0] % 16, size - 1);
    std::string_view sizes(reinterpret_cast<const char*>(data) + 1, nsizes);
    std::string_view input(reinterpret_cast<const char*>(data) + 1 + nsizes, size - 1 - nsizes);
    auto whole = run(input, {});
    auto split = run(input, sizes);
    if (whole != split) __builtin_trap();  // where reads split must never matter
    return 0;
}
