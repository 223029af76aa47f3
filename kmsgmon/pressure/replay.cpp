#include "pressure/replay.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string_view>

#include "pressure/event.hpp"
#include "pressure/replay_sample.hpp"

namespace faultline::kmsgmon {

namespace {

// Reads all of path into text. Returns false with error set when it cannot.
bool read_whole(const std::string& path, std::string& text, std::string& error) {
    std::FILE* f = std::fopen(path.c_str(), "rbe");
    if (!f) {
        error = path + ": cannot open (" + std::strerror(errno) + ")";
        return false;
    }
    char buf[16384];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) text.append(buf, n);
    const bool failed = std::ferror(f);
    std::fclose(f);
    if (failed) error = path + ": read error";
    return !failed;
}

}  // namespace

bool load_samples(const std::string& path, std::vector<PressureSample>& out, std::string& error) {
    std::string text, why;
    if (!read_whole(path, text, error)) return false;
    SampleParser parser;
    std::vector<PressureSample> samples;
    std::string_view rest = text;
    for (size_t n = 1; !rest.empty(); ++n) {
        std::string_view line = rest.substr(0, rest.find('\n'));
        rest.remove_prefix(std::min(rest.size(), line.size() + 1));
        if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
        PressureSample s;
        if (!parser.parse(line, s, why)) {
            error = path + ":" + std::to_string(n) + ": " + why;
            return false;
        }
        if (!samples.empty() && s.t < samples.back().t) {
            error = path + ":" + std::to_string(n) + ": t goes backwards";
            return false;
        }
        samples.push_back(s);
    }
    out = std::move(samples);
    return true;
}

std::string replay_line(double t, const faultline::Event& event) {
    std::string envelope = faultline::encode_event(event);
    std::string out = "{\"t\":";
    faultline::append_json_number(out, t);
    out.push_back(',');
    out.append(envelope, 1);  // the envelope without its opening brace
    return out;
}

size_t replay_samples(const std::vector<PressureSample>& samples, const faultline::Source& source,
                      std::FILE* out, const DetectorConfig& config,
                      const std::function<void(const Transition&)>& on_transition) {
    PressureDetector detector(config);
    size_t events = 0;
    for (const auto& s : samples) {
        auto tr = detector.observe(s);
        if (!tr) continue;
        std::string text = replay_line(s.t, memory_pressure_event(*tr, source));
        std::fprintf(out, "%s\n", text.c_str());
        std::fflush(out);
        ++events;
        if (on_transition) on_transition(*tr);
    }
    return events;
}

}  // namespace faultline::kmsgmon
