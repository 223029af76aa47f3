#include "hub/sinks/cursor_file.hpp"

#include <fmt/format.h>

#include <charconv>
#include <filesystem>

#include "hub/store/atomic_file.hpp"

namespace faultline::hub::sinks {

std::optional<uint64_t> parse_cursor(std::string_view text) {
    if (!text.ends_with('\n')) return std::nullopt;
    text.remove_suffix(1);
    if (text.empty() || text.size() > 20 || (text.size() > 1 && text[0] == '0'))
        return std::nullopt;
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || p != text.data() + text.size()) return std::nullopt;
    return v;
}

CursorFile::CursorFile(std::string dir, std::string name)
    : dir_(std::move(dir)), path_(dir_.empty() ? "" : dir_ + "/" + name + ".cursor") {}

bool CursorFile::load(uint64_t& seq, std::string& error) const {
    seq = 0;
    if (path_.empty()) return true;
    std::optional<std::string> text = read_small_file(path_, error);
    if (!text) return error.empty();  // no file yet: start from the beginning
    std::optional<uint64_t> v = parse_cursor(*text);
    if (!v) {
        error = fmt::format("{} does not hold a cursor (a seq and a newline)", path_);
        return false;
    }
    seq = *v;
    return true;
}

bool CursorFile::store(uint64_t seq, std::string& error) const {
    if (path_.empty()) return true;
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    return atomic_write_file(path_, fmt::format("{}\n", seq), error);
}

}  // namespace faultline::hub::sinks
