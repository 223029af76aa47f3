// kmsgmon benchmarks, each against a baseline in the same run:
//   1. records per second through the framer, record parser and OOM correlator, against a
//      loop that only finds line ends (memchr), on 200,000 realistic records (1 % OOM lines);
//   2. resident memory of the running daemon on /dev/kmsg (idle, pressure on and off, --mlock)
//      against min_kmsg_reader (libc only).
// Usage: bench_kmsg KMSGMON MIN_KMSG_READER
#include <fmt/format.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "bench_short.hpp"
#include "oom/correlator.hpp"
#include "oom/kmsg_record.hpp"
#include "oom/record_framer.hpp"

namespace {

using Clock = std::chrono::steady_clock;

// n records: ordinary kernel chatter with an OOM kill (3 lines) every 300 records.
std::string make_log(int n) {
    std::string s;
    for (int i = 0; i < n; ++i) {
        if (i % 300 == 0) {
            s += fmt::format(
                "4,{},{},-;cat invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), "
                "order=0, oom_score_adj=0\n",
                i, i * 10);
            s += fmt::format(
                "6,{},{},-;oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),"
                "cpuset=/,mems_allowed=0,oom_memcg=/t,task_memcg=/t,task=tail,"
                "pid={},uid=0\n",
                i + 1, i * 10 + 1, i);
            s += fmt::format(
                "3,{},{},-;Memory cgroup out of memory: Killed process {} (tail) "
                "total-vm:68148kB, anon-rss:65152kB, file-rss:1604kB, shmem-rss:0kB, "
                "UID:0 pgtables:172kB oom_score_adj:0\n",
                i + 2, i * 10 + 2, i);
            i += 2;
        } else {
            s += fmt::format(
                "6,{},{},-;usb 1-1: new high-speed USB device number {} using "
                "xhci_hcd\n SUBSYSTEM=usb\n DEVICE=c189:{}\n",
                i, i * 10, i, i);
        }
    }
    return s;
}

double parse_rate(const std::string& log, int records, size_t& kills) {
    faultline::kmsgmon::RecordFramer framer;
    faultline::kmsgmon::OomCorrelator correlator;
    kills = 0;
    faultline::kmsgmon::KmsgRecord r;
    std::string why;
    auto sink = [&](std::string_view raw) {
        if (faultline::kmsgmon::parse_kmsg_record(raw, r, why) && correlator.feed(r)) ++kills;
    };
    const auto t0 = Clock::now();
    framer.feed(log, sink);
    framer.finish(sink);
    return records / std::chrono::duration<double>(Clock::now() - t0).count();
}

double line_rate(const std::string& log, int records, size_t& lines) {
    const auto t0 = Clock::now();
    lines = 0;
    for (const char* p = log.data();
         (p = static_cast<const char*>(memchr(p, '\n', log.data() + log.size() - p))); ++p)
        ++lines;
    return records / std::chrono::duration<double>(Clock::now() - t0).count();
}

long rss_kb(pid_t pid) {
    std::ifstream f(fmt::format("/proc/{}/status", pid));
    std::string key;
    long v = 0;
    while (f >> key)
        if (key == "VmRSS:" && f >> v) return v;
    return -1;
}

// Starts argv, waits 1.5 s, returns its VmRSS in KiB, stops it.
long idle_rss(std::vector<std::string> argv) {
    const pid_t pid = fork();
    if (pid == 0) {
        std::vector<char*> a;
        for (auto& s : argv) a.push_back(s.data());
        a.push_back(nullptr);
        execv(a[0], a.data());
        _exit(127);
    }
    usleep(1'500'000);
    const long kb = rss_kb(pid);
    kill(pid, SIGTERM);
    waitpid(pid, nullptr, 0);
    return kb;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        fmt::print(stderr, "usage: bench_kmsg KMSGMON MIN_KMSG_READER\n");
        return 2;
    }
    const int n = static_cast<int>(faultline::bench::scaled(200'000));
    const std::string log = make_log(n);
    size_t kills = 0, lines = 0;
    double parse = 0, base = 0;
    for (int round = 0; round < 3; ++round) {  // best of three
        parse = std::max(parse, parse_rate(log, n, kills));
        base = std::max(base, line_rate(log, n, lines));
    }
    fmt::print("records parsed+correlated: {:>12.0f} /s  ({} kills found)\n", parse, kills);
    fmt::print("baseline (line ends only): {:>12.0f} /s  ({} lines)\n", base, lines);
    fmt::print("ratio baseline/parse:      {:>12.1f}x\n\n", base / parse);

    const std::string k = argv[1];
    const long min = idle_rss({argv[2]});
    const long plain = idle_rss({k, "--no-pressure", "--no-oom-protect"});
    const long full = idle_rss({k, "--no-oom-protect"});
    const long locked = idle_rss({k, "--no-oom-protect", "--mlock"});
    fmt::print("idle RSS min_kmsg_reader (libc only): {:>6} KiB\n", min);
    fmt::print("idle RSS kmsgmon --no-pressure:       {:>6} KiB  ({:.1f}x)\n", plain,
               double(plain) / min);
    fmt::print("idle RSS kmsgmon (OOM + pressure):    {:>6} KiB  ({:.1f}x)\n", full,
               double(full) / min);
    fmt::print("idle RSS kmsgmon --mlock:             {:>6} KiB  ({:.1f}x)\n", locked,
               double(locked) / min);
    return 0;
}
