// One memory sample as kmsgmon sends it to the hub (POST /telemetry/samples) and the hub serves
// it back (GET /telemetry/samples): the struct and its JSON encoding. Samples are not events:
// no envelope, no seq, never journaled or streamed. The decoder is in memory_sample_decode.hpp
// (simdjson), so a producer that only sends samples does not compile it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "json_writer.hpp"

namespace faultline {

struct MemorySample {
    int64_t ts_ms = 0;   // wall-clock milliseconds since the epoch, when it was read
    std::string host;    // the sampler's hostname
    std::string scope;   // "host" (the machine's memory) or "cgroup" (a cgroup's limit)
    std::string cgroup;  // the cgroup when scope is "cgroup", else empty
    int64_t mem_total_kb = 0, mem_available_kb = 0, swap_total_kb = 0, swap_free_kb = 0;
    std::optional<double> psi_some_avg10, psi_full_avg10;  // percent; empty when unknown
};

// Limits the decoder enforces (and the hub's store relies on to stay small).
inline constexpr size_t kMaxSampleHostBytes = 255;
inline constexpr size_t kMaxSampleCgroupBytes = 1024;
inline constexpr int64_t kMaxSampleKb = int64_t{1} << 40;  // 1 PiB: bytes stay exact in a double

// {"ts_ms":..,"host":..,"scope":..,["cgroup":..,]"mem_total_kb":..,...,["psi_some_avg10":..]}
inline std::string encode_memory_sample(const MemorySample& s) {
    JsonObject o;
    o.add("ts_ms", s.ts_ms).add("host", s.host).add("scope", s.scope);
    if (s.scope == "cgroup") o.add("cgroup", s.cgroup);
    o.add("mem_total_kb", s.mem_total_kb)
        .add("mem_available_kb", s.mem_available_kb)
        .add("swap_total_kb", s.swap_total_kb)
        .add("swap_free_kb", s.swap_free_kb)
        .add_if("psi_some_avg10", s.psi_some_avg10)
        .add_if("psi_full_avg10", s.psi_full_avg10);
    return o.finish();
}

}  // namespace faultline
