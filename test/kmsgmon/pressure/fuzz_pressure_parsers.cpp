// libFuzzer target: the replay sample parser, the meminfo parser, the PSI parser and the
// trigger-spec parser on the same bytes. None may crash, hang or accept nonsense silently.
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

#include "pressure/meminfo_reader.hpp"
#include "pressure/psi_reader.hpp"
#include "pressure/psi_trigger.hpp"
#include "pressure/replay_sample.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    std::string error;
    static faultline::kmsgmon::SampleParser parser;
    faultline::kmsgmon::PressureSample s;
    if (parser.parse(in, s, error)) {
        if (!std::isfinite(s.t) || s.mem_available_kb > s.mem_total_kb || s.swap_free_kb < 0)
            __builtin_trap();
        faultline::kmsgmon::PressureSample back;
        if (!parser.parse(faultline::kmsgmon::format_sample(s), back, error)) __builtin_trap();
    }
    faultline::kmsgmon::MemInfo m;
    if (faultline::kmsgmon::parse_meminfo(in, m, error) &&
        (m.mem_total_kb < 0 || m.swap_free_kb < 0))
        __builtin_trap();
    faultline::kmsgmon::PsiInfo p;
    if (faultline::kmsgmon::parse_psi(in, p, error) &&
        (!std::isfinite(p.some.avg10) || p.some.avg10 < 0))
        __builtin_trap();
    faultline::kmsgmon::TriggerSpec spec;
    if (faultline::kmsgmon::parse_trigger_spec("some", in, spec, error) &&
        (spec.stall_us == 0 || spec.stall_us > spec.window_us))
        __builtin_trap();
    return 0;
}
