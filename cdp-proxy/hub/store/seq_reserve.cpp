#include "hub/store/seq_reserve.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "hub/store/atomic_file.hpp"

namespace faultline::hub {

namespace {
// FNV-1a over the digits: enough to tell an intact slot from a torn or zeroed one.
uint32_t checksum(std::string_view digits) {
    uint32_t h = 2166136261u;
    for (char c : digits) h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
    return h;
}
}  // namespace

std::optional<uint64_t> parse_reserve_slot(std::string_view slot) {
    if (slot.size() < kReserveSlotBytes || slot[20] != ' ' || slot[29] != '\n') return std::nullopt;
    const std::string_view digits = slot.substr(0, 20), hex = slot.substr(21, 8);
    uint64_t mark = 0;
    uint32_t sum = 0;
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), mark);
    if (ec != std::errc() || p != digits.data() + digits.size()) return std::nullopt;
    auto [q, ec2] = std::from_chars(hex.data(), hex.data() + hex.size(), sum, 16);
    if (ec2 != std::errc() || q != hex.data() + hex.size()) return std::nullopt;
    if (sum != checksum(digits)) return std::nullopt;
    // Only the exact bytes format_reserve_slot writes (lower-case hex): a slot is ours or torn.
    if (format_reserve_slot(mark) != slot.substr(0, kReserveSlotBytes)) return std::nullopt;
    return mark;
}

std::string format_reserve_slot(uint64_t mark) {
    const std::string digits = fmt::format("{:020}", mark);
    return fmt::format("{} {:08x}\n", digits, checksum(digits));
}

bool SeqReserve::load(uint64_t& mark, std::string& error) {
    mark = 0;
    const UniqueFd fd(::open(path_.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        if (errno == ENOENT) return true;
        error = fmt::format("cannot open {}: {}", path_, std::strerror(errno));
        return false;
    }
    char buf[2 * kReserveSlotStride] = {};
    const ssize_t n = ::pread(fd.get(), buf, sizeof buf, 0);
    if (n < 0) {
        error = fmt::format("cannot read {}: {}", path_, std::strerror(errno));
        return false;
    }
    for (size_t i = 0; i < 2; ++i) {
        const size_t at = i * kReserveSlotStride;
        if (static_cast<size_t>(n) < at + kReserveSlotBytes) continue;
        slots_[i] = parse_reserve_slot(std::string_view(buf + at, kReserveSlotBytes)).value_or(0);
        mark = std::max(mark, slots_[i]);
    }
    return true;
}

int SeqReserve::write_slot(size_t slot, uint64_t mark, std::string& what) {
    const std::string bytes = format_reserve_slot(mark);
    const ssize_t n = ::pwrite(fd_.get(), bytes.data(), bytes.size(),
                               static_cast<off_t>(slot * kReserveSlotStride));
    if (n != static_cast<ssize_t>(bytes.size())) {
        what = "write " + path_;
        return n < 0 ? errno : ENOSPC;
    }
    if (::fdatasync(fd_.get()) != 0) {
        what = "fdatasync " + path_;
        return errno;
    }
    slots_[slot] = mark;
    return 0;
}

int SeqReserve::persist(uint64_t mark, std::string& what) {
    bool fresh = false;
    if (!fd_) {
        fd_.reset(::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
        if (!fd_) {
            what = "create " + path_;
            return errno;
        }
        fresh = slots_[0] == 0 && slots_[1] == 0;
        // The file's name survives a power loss before it is relied on (it may be new).
        const size_t slash = path_.rfind('/');
        const std::string dir = slash == std::string::npos ? "." : path_.substr(0, slash + 1);
        if (int err = fsync_dir(dir)) {
            fd_.reset();
            what = "fsync directory " + dir;
            return err;
        }
    }
    // Overwrite the older slot so the newest intact mark survives a torn write.
    const size_t slot = slots_[0] <= slots_[1] ? 0 : 1;
    if (int err = write_slot(slot, mark, what)) return err;
    // A new file gets both slots now (later overwrites need no new blocks), and a lowered
    // mark (clean stop) must win over the other slot on the next load too.
    if (fresh || slots_[1 - slot] > mark) return write_slot(1 - slot, mark, what);
    return 0;
}

}  // namespace faultline::hub
