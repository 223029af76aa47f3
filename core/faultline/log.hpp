// The one logger: library code takes a LogFn and never writes to stderr itself; main injects
// stderr_log("<program>") (tests inject one that records).
#pragma once

#include <unistd.h>

#include <functional>
#include <string>
#include <string_view>
#include <utility>

#include "write_all.hpp"

namespace faultline {

// One human-readable line, without the trailing newline.
using LogFn = std::function<void(std::string_view)>;

// Writes "prefix: msg\n" to stderr with a single write(2), so lines that threads log at the same
// time never interleave (stderr is unbuffered; fprintf may split one line into several writes).
inline LogFn stderr_log(std::string prefix) {
    return [prefix = std::move(prefix)](std::string_view msg) {
        std::string line;
        line.reserve(prefix.size() + msg.size() + 3);
        line.append(prefix).append(": ").append(msg).push_back('\n');
        write_all(STDERR_FILENO, line);
    };
}

// A LogFn that drops everything, for callers that pass none.
inline LogFn null_log() {
    return [](std::string_view) {};
}

}  // namespace faultline
