#include "hub/store/instance_id.hpp"

#include <fmt/format.h>
#include <sys/random.h>

#include <cstdint>
#include <filesystem>
#include <random>

#include "hub/store/atomic_file.hpp"

namespace faultline::hub {

std::string new_instance_id() {
    uint64_t v = 0;
    if (getrandom(&v, sizeof v, 0) != sizeof v) v = std::random_device{}() * 0x9e3779b97f4a7c15ULL;
    return fmt::format("{:016x}", v);
}

bool valid_instance_id(std::string_view id) {
    if (id.size() != 16) return false;
    for (char c : id)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

bool load_instance_id(const std::string& data_dir, std::string& id, std::string& error) {
    if (data_dir.empty()) {
        id = new_instance_id();
        return true;
    }
    const std::string path = data_dir + "/instance-id";
    std::optional<std::string> text = read_small_file(path, error);
    if (text) {
        std::string_view v = *text;
        while (!v.empty() && (v.back() == '\n' || v.back() == '\r')) v.remove_suffix(1);
        if (!valid_instance_id(v)) {
            error = fmt::format(
                "{} does not hold an instance id (16 hex digits); remove it to "
                "make a new one",
                path);
            return false;
        }
        id = std::string(v);
        return true;
    }
    if (!error.empty()) return false;
    std::error_code ec;
    std::filesystem::create_directories(data_dir, ec);
    id = new_instance_id();
    return atomic_write_file(path, id + "\n", error);
}

}  // namespace faultline::hub
