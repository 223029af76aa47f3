#include "pressure/psi_trigger.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

namespace faultline::kmsgmon {

std::string TriggerSpec::text() const {
    return kind + " " + std::to_string(stall_us) + " " + std::to_string(window_us);
}

bool parse_trigger_spec(std::string_view kind, std::string_view value, TriggerSpec& out,
                        std::string& error) {
    auto number = [](std::string_view& v, uint64_t& n) {
        while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
        auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
        if (ec != std::errc() || p == v.data()) return false;
        v.remove_prefix(static_cast<size_t>(p - v.data()));
        return true;
    };
    TriggerSpec s{std::string(kind), 0, 0};
    std::string_view v = value;
    bool ok = number(v, s.stall_us) && number(v, s.window_us);
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    if (!ok || !v.empty()) {
        error = "expected 'STALL_US WINDOW_US', e.g. '150000 1000000', got '" + std::string(value) +
                "'";
        return false;
    }
    if (s.stall_us == 0 || s.stall_us > s.window_us || s.window_us > 10'000'000) {
        error = "need 0 < STALL_US <= WINDOW_US <= 10000000, got '" + std::string(value) + "'";
        return false;
    }
    out = s;
    return true;
}

// Opens a fresh fd and writes the spec with its trailing NUL (the kernel overwrites the last
// byte written). Returns false with error set, and errno as open(2) or write(2) left it (arm
// retries on EINVAL).
bool PsiTrigger::write_spec(const std::string& path, const TriggerSpec& spec, std::string& error) {
    faultline::UniqueFd fd(::open(path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC));
    const std::string text = spec.text();
    if (!fd || ::write(fd.get(), text.c_str(), text.size() + 1) < 0) {
        const int err = errno;
        error = path + ": trigger '" + text + "': " + std::strerror(err);
        fd.reset();  // closed before errno is restored for the caller
        errno = err;
        return false;
    }
    fd_ = std::move(fd);
    armed_ = spec;
    return true;
}

bool PsiTrigger::arm(const std::string& path, const TriggerSpec& spec, std::string& error) {
    if (write_spec(path, spec, error)) return true;
    if (errno == EINVAL && spec.window_us % 2'000'000 != 0) {
        TriggerSpec wide = spec;
        wide.window_us = 2'000'000;
        wide.stall_us = std::max<uint64_t>(1, spec.stall_us * 2'000'000 / spec.window_us);
        std::string wide_error;
        if (write_spec(path, wide, wide_error)) {
            widened_ = true;
            return true;
        }
        error += " (and with a 2 s window: " + std::string(std::strerror(errno)) + ")";
    }
    return false;
}

}  // namespace faultline::kmsgmon
