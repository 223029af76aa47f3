// The memory cgroup's files: the counters (v2 memory.events, v1 memory.oom_control), the limit
// and usage, and the limit-relative view of memory the pressure detector gets inside a
// container. Parsers are pure; CgroupMemory reads a discovered cgroup.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cgroup/discovery.hpp"
#include "pressure/meminfo_reader.hpp"

namespace faultline::kmsgmon {

// The value of `key` in flat keyed text ("key value" lines: memory.events, memory.oom_control,
// memory.stat). nullopt when absent or not a non-negative integer.
std::optional<int64_t> flat_keyed_value(std::string_view text, std::string_view key);

// A limit file (v2 "max" or bytes; v1 bytes, where values near 2^63 mean none). nullopt for
// no limit or malformed text.
std::optional<int64_t> parse_limit_bytes(std::string_view text);

// A plain byte count (memory.current, memory.usage_in_bytes). nullopt when malformed.
std::optional<int64_t> parse_bytes(std::string_view text);

struct CgroupMemoryState {
    std::optional<int64_t> limit_kb, usage_kb, inactive_file_kb;
    std::optional<int64_t> swap_limit_kb, swap_usage_kb;  // swap alone (v1: memsw minus memory)
};

// Limit-relative memory: mem_total = the limit when it is below the machine's, available =
// limit - (usage - inactive_file), swap from the swap limit and usage. Returns false (and
// leaves out untouched) when there is no such limit: the machine's memory is what runs out.
bool limit_relative_meminfo(const CgroupMemoryState& st, const MemInfo& machine, MemInfo& out);

class CgroupMemory {
  public:
    explicit CgroupMemory(CgroupInfo info) : info_(std::move(info)) {}
    const CgroupInfo& info() const { return info_; }
    CgroupMemoryState read() const;
    // The cgroup's oom_kill counter; nullopt when unreadable.
    std::optional<int64_t> oom_kills() const;
    // The file that holds the counter (memory.events or memory.oom_control).
    std::string counter_path() const;

  private:
    CgroupInfo info_;
};

}  // namespace faultline::kmsgmon
