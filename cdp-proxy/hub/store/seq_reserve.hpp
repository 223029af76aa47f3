// The seq high-water mark: every seq the hub may ever have handed out is <= the persisted
// mark, so after any crash (or a journal that lost its tail) the hub continues above it and
// never reuses a seq. The file (seq.reserve in the data dir) holds two fixed-size slots,
// "<20 digits> <8 hex checksum>\n" at offsets 0 and 32, overwritten in place alternately: an
// overwrite needs no new disk blocks (it works on a full disk) and a torn write spoils at most
// the slot being written, never the newest intact one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "faultline/unique_fd.hpp"

namespace faultline::hub {

inline constexpr size_t kReserveSlotBytes = 30;  // "<20 digits> <8 hex>\n"
inline constexpr size_t kReserveSlotStride = 32;

// The mark in one slot, or nullopt when the bytes are not an intact slot.
std::optional<uint64_t> parse_reserve_slot(std::string_view slot);
// The slot bytes for mark.
std::string format_reserve_slot(uint64_t mark);

class SeqReserve {
  public:
    explicit SeqReserve(std::string path) : path_(std::move(path)) {}
    SeqReserve(const SeqReserve&) = delete;
    SeqReserve& operator=(const SeqReserve&) = delete;

    // Reads the mark (0 when the file does not exist or holds no intact slot). Returns false
    // with error only when an existing file cannot be read.
    bool load(uint64_t& mark, std::string& error);
    // Makes mark durable (pwrite of one slot + fdatasync; creates the file when needed).
    // Returns 0 or the errno of the failure; what is the failing step goes to what.
    int persist(uint64_t mark, std::string& what);
    const std::string& path() const { return path_; }

  private:
    int write_slot(size_t slot, uint64_t mark, std::string& what);

    std::string path_;
    UniqueFd fd_;
    uint64_t slots_[2] = {0, 0};  // the intact mark in each slot (0 = none)
};

}  // namespace faultline::hub
