// Resident memory and acknowledgement rate of supervisord-shim against the smallest possible
// listener (min_listener: libc only), both driven the same way in the same run: READY, then
// N PROCESS_STATE_EXITED envelopes, each waited for its "RESULT 2\nOK" + READY. The shim
// delivers to a real in-process HTTP receiver.
// Usage: bench_shim_rss SUPERVISORD_SHIM MIN_LISTENER [EVENTS]
#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "bench_short.hpp"
#include "receiver.hpp"

namespace {
[[noreturn]] void fail(const std::string& why) {
    fmt::print(stderr, "{}\n", why);
    std::exit(1);
}

struct Result {
    long rss_kb = 0, hwm_kb = 0, private_kb = 0,
         anon_kb = 0;                  // private: not shared; anon: not file-backed
    long idle_kb = 0, settled_kb = 0;  // VmRSS after READY; after delivery and a quiet second
    double seconds = 0;
};

// VmRSS and VmHWM of pid in KiB.
void read_rss(pid_t pid, Result& r) {
    std::ifstream f(fmt::format("/proc/{}/status", pid));
    std::string key;
    long v;
    while (f >> key) {
        if (key == "VmRSS:" && f >> v) r.rss_kb = v;
        if (key == "VmHWM:" && f >> v) r.hwm_kb = v;
    }
    std::ifstream roll(fmt::format("/proc/{}/smaps_rollup", pid));
    while (roll >> key)
        if ((key == "Private_Clean:" || key == "Private_Dirty:") && roll >> v)
            r.private_kb += v;
        else if (key == "Anonymous:" && roll >> v)
            r.anon_kb = v;
}

bool read_exact(int fd, size_t n) {
    char buf[64];
    while (n) {
        ssize_t got = read(fd, buf, std::min(n, sizeof buf));
        if (got <= 0) return false;
        n -= size_t(got);
    }
    return true;
}

long vm_rss(pid_t pid) {
    Result r;
    read_rss(pid, r);
    return r.rss_kb;
}

// Runs argv as a listener for `events` envelopes, then calls settle() (which waits for delivery)
// and measures again. Exits the process on a protocol failure.
Result drive(std::vector<std::string> argv, int events, const std::function<void()>& settle) {
    int in[2], out[2];
    if (pipe(in) || pipe(out)) fail("pipe failed");
    pid_t pid = fork();
    if (pid == 0) {
        dup2(in[0], 0), dup2(out[1], 1);
        if (int null = open("/dev/null", O_WRONLY); null >= 0) dup2(null, 2);  // quiet logs
        close(in[1]), close(out[0]);
        std::vector<char*> a;
        for (auto& s : argv) a.push_back(s.data());
        a.push_back(nullptr);
        execv(a[0], a.data());
        _exit(127);
    }
    close(in[0]), close(out[1]);
    if (!read_exact(out[0], 6)) fail(argv[0] + ": no READY");
    const long idle_kb = vm_rss(pid);
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < events; ++i) {
        std::string p = fmt::format(
            "processname:svc{} groupname:g from_state:RUNNING expected:0 pid:{}", i % 50, 1000 + i);
        std::string env = fmt::format(
            "ver:3.0 server:supervisor serial:{} pool:l poolserial:{} "
            "eventname:PROCESS_STATE_EXITED len:{}\n{}",
            i, i, p.size(), p);
        if (write(in[1], env.data(), env.size()) != ssize_t(env.size()) || !read_exact(out[0], 17))
            fail(argv[0] + ": protocol failed");
    }
    Result r;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    read_rss(pid, r);
    r.idle_kb = idle_kb;
    settle();
    std::this_thread::sleep_for(std::chrono::seconds(1));
    r.settled_kb = vm_rss(pid);
    close(in[1]);
    waitpid(pid, nullptr, 0);
    close(out[0]);
    return r;
}
}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        fmt::print(stderr, "usage: bench_shim_rss SUPERVISORD_SHIM MIN_LISTENER [EVENTS]\n");
        return 2;
    }
    const int events =
        argc > 3 ? std::atoi(argv[3]) : static_cast<int>(faultline::bench::scaled(2000, 100));
    signal(SIGPIPE, SIG_IGN);
    faultline::test::Receiver hub;
    Result base = drive({argv[2]}, events, [] {});
    Result shim = drive({argv[1], "--hub", hub.url()}, events,
                        [&] { hub.wait_for(size_t(events), std::chrono::seconds(20)); });
    fmt::print("{} events; shim delivered {} to the receiver\n", events, hub.events().size());
    // Worst case: the hub is down for the whole burst, so every event waits in the outbox.
    hub.stop();
    Result down = drive({argv[1], "--hub", hub.url()}, events, [&] {
        hub.restart();
        hub.wait_for(size_t(2 * events), std::chrono::seconds(30));
    });
    fmt::print("hub down during the burst: {} of {} delivered after it came back\n",
               hub.events().size() - size_t(events), events);
    fmt::print("{:<16} {:>9} {:>10} {:>10} {:>12} {:>11} {:>10}\n", "listener", "idle KiB",
               "VmRSS KiB", "VmHWM KiB", "private KiB", "settled KiB", "events/s");
    for (auto [name, r] : {std::pair{"min_listener", base}, {"supervisord-shim", shim}})
        fmt::print("{:<16} {:>9} {:>10} {:>10} {:>12} {:>11} {:>10.0f}\n", name, r.idle_kb,
                   r.rss_kb, r.hwm_kb, r.private_kb, r.settled_kb, events / r.seconds);
    fmt::print(
        "ratio shim/baseline: VmRSS {:.2f}x, VmHWM {:.2f}x, private {:.2f}x, events/s {:.2f}x\n",
        double(shim.rss_kb) / double(base.rss_kb), double(shim.hwm_kb) / double(base.hwm_kb),
        double(shim.private_kb) / double(base.private_kb),
        (events / shim.seconds) / (events / base.seconds));
    fmt::print(
        "anonymous (heap, stacks; not reclaimable file pages): min_listener {} KiB, "
        "shim {} KiB\n",
        base.anon_kb, shim.anon_kb);
    fmt::print(
        "shim resident: idle {:.2f} MiB, settled after delivery {:.2f} MiB, peak {:.2f} MiB "
        "(target: at most 1.5 MiB)\n",
        shim.idle_kb / 1024.0, shim.settled_kb / 1024.0, shim.hwm_kb / 1024.0);
    fmt::print(
        "hub down, all {} events queued: peak {:.2f} MiB ({:.0f} bytes per queued event), "
        "settled after delivery {:.2f} MiB\n",
        events, down.hwm_kb / 1024.0, (down.hwm_kb - down.idle_kb) * 1024.0 / events,
        down.settled_kb / 1024.0);
    return 0;
}
