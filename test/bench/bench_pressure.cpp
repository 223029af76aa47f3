// Pressure benchmarks: the cost of one live sample (meminfo + PSI pread and parse, detector
// step) against baselines measured in the same run: reading /proc/meminfo the naive way
// (std::ifstream + getline + sscanf), and a bare pread of the same file. Also the detector's
// per-sample cost and its memory (fit window) at 1 Hz.
// Run: build/test/kmsgmon/pressure/bench_pressure
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include "bench_short.hpp"
#include "pressure/detector.hpp"
#include "pressure/meminfo_reader.hpp"
#include "pressure/psi_reader.hpp"

using Clock = std::chrono::steady_clock;

namespace {

template <class Op>
double rate(long n, Op op) {
    auto t0 = Clock::now();
    for (long i = 0; i < n; ++i) op();
    return static_cast<double>(n) / std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

int main() {
    const long n = faultline::bench::scaled(20000);
    std::string err;
    faultline::kmsgmon::MeminfoReader mr;
    faultline::kmsgmon::PsiReader pr;
    if (!mr.open("/proc/meminfo", err)) return std::fprintf(stderr, "%s\n", err.c_str()), 1;
    const bool psi = pr.open("/proc/pressure/memory", err);

    int fd = ::open("/proc/meminfo", O_RDONLY | O_CLOEXEC);
    char buf[8192];
    const double bare = rate(n, [&] {
        if (::pread(fd, buf, sizeof buf, 0) <= 0) std::abort();
    });
    ::close(fd);
    const double naive = rate(n, [&] {
        std::ifstream in("/proc/meminfo");
        std::string line;
        long v = 0, total = 0;
        while (std::getline(in, line))
            if (std::sscanf(line.c_str(), "MemAvailable: %ld kB", &v) == 1) total += v;
        if (total < 0) std::abort();
    });
    faultline::kmsgmon::MemInfo m;
    faultline::kmsgmon::PsiInfo p;
    faultline::kmsgmon::PressureDetector live;
    double t = 0;
    const double ours = rate(n, [&] {
        if (!mr.read(m, err)) std::abort();
        faultline::kmsgmon::PressureSample s;
        s.t = t += 1, s.mem_total_kb = m.mem_total_kb, s.mem_available_kb = m.mem_available_kb;
        s.swap_total_kb = m.swap_total_kb, s.swap_free_kb = m.swap_free_kb;
        if (psi && pr.read(p, err))
            s.psi_some_avg10 = p.some.avg10, s.psi_full_avg10 = p.full.avg10;
        live.observe(s);
    });
    faultline::kmsgmon::PressureDetector d;
    t = 0;
    const double step = rate(n * 10, [&] {
        faultline::kmsgmon::PressureSample s;
        s.t = t += 1, s.mem_total_kb = 32 << 20, s.mem_available_kb = 4 << 20;
        s.swap_total_kb = 2 << 20, s.swap_free_kb = (2 << 20) - int64_t(t);
        s.psi_some_avg10 = 1.0, s.psi_full_avg10 = 0.1;
        d.observe(s);
    });

    fmt::print("{:<46} {:>12} {:>10}\n", "operation", "per second", "vs bare");
    fmt::print("{:<46} {:>12.0f} {:>10.2f}\n", "bare pread(/proc/meminfo) (baseline)", bare, 1.0);
    fmt::print("{:<46} {:>12.0f} {:>10.2f}\n", "naive ifstream+getline+sscanf meminfo", naive,
               naive / bare);
    fmt::print("{:<46} {:>12.0f} {:>10.2f}\n", "one kmsgmon sample (meminfo+PSI+detector)", ours,
               ours / bare);
    fmt::print("{:<46} {:>12.0f} {:>10.2f}\n", "detector step alone", step, step / bare);
    fmt::print("\none sample is {:.1f}x cheaper than the naive meminfo read alone\n", ours / naive);
    fmt::print("at one sample per 5 s: {:.1f} us of CPU per minute\n", 12 * 1e6 / ours);
    fmt::print("detector fit window at 1 Hz: {} samples x {} bytes\n", 61,
               sizeof(faultline::kmsgmon::PressureSample));
}
