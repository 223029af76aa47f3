#include "pressure_replay.hpp"

#include <fstream>

#include "pressure_event.hpp"
#include "replay_sample.hpp"

namespace kmsgmon {

bool load_samples(const std::string& path, std::vector<PressureSample>& out, std::string& error) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        error = path + ": cannot open";
        return false;
    }
    SampleParser parser;
    std::vector<PressureSample> samples;
    std::string line, why;
    for (size_t n = 1; std::getline(in, line); ++n) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
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
    if (in.bad()) {
        error = path + ": read error";
        return false;
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

}  // namespace kmsgmon
