// Real supervisord (Debian's `supervisor`) with the shim as its eventlistener, configured from
// packaging/supervisord/faultline-shim.conf, delivering to a real HTTP receiver. Each test
// starts its own supervisord with its own config, socket and logs in a temporary directory.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "catch.hpp"
#include "faultline/clock.hpp"
#include "receiver.hpp"

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

namespace {

std::string env_or_fail(const char* name) {
    const char* v = std::getenv(name);
    REQUIRE(v);
    return v;
}

std::string read_file(const std::string& path) {
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

// Polls pred every 100 ms until it holds or timeout passes. Returns whether it held.
bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
        if (pred()) return true;
        std::this_thread::sleep_for(100ms);
    }
    return pred();
}

struct ProcStatus {
    std::string state;
    long pid = 0;
};

// The shipped [eventlistener:faultline-shim] section, with the built binary, the test hub and
// a log path in `dir` (and buffer_size replaced when given).
std::string listener_section(const std::string& hub, const std::string& dir, int buffer_size) {
    std::istringstream in(read_file(env_or_fail("SHIM_CONF")));
    std::string out, line;
    bool seen = false;
    while (std::getline(in, line)) {
        if (line.starts_with("[eventlistener:faultline-shim]")) seen = true;
        if (line.starts_with("command="))
            line = "command=" + env_or_fail("SUPERVISORD_SHIM") + " --hub " + hub;
        else if (line.starts_with("stderr_logfile="))
            line = "stderr_logfile=" + dir + "/shim.err.log";
        else if (line.starts_with("buffer_size=") && buffer_size > 0)
            line = "buffer_size=" + std::to_string(buffer_size);
        out += line + "\n";
    }
    REQUIRE(seen);
    return out;
}

// One supervisord in a temporary directory, in the foreground (-n), as our child.
class Supervisord {
  public:
    Supervisord(const std::string& hub, const std::string& programs, int buffer_size = 0) {
        char tmpl[] = "/tmp/fl-shim-XXXXXX";
        REQUIRE(mkdtemp(tmpl));
        dir_ = tmpl;
        conf_ = dir_ + "/supervisord.conf";
        std::ofstream(conf_) << "[unix_http_server]\nfile=" << dir_ << "/sock\n"
                             << "[supervisord]\nlogfile=" << dir_ << "/supervisord.log\n"
                             << "pidfile=" << dir_ << "/supervisord.pid\n"
                             << "childlogdir=" << dir_ << "\nnodaemon=true\nloglevel=info\n"
                             << "identifier=faultline-test\n"
                             << "[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = "
                                "supervisor.rpcinterface:make_main_rpcinterface\n"
                             << "[supervisorctl]\nserverurl=unix://" << dir_ << "/sock\n"
                             << listener_section(hub, dir_, buffer_size) << programs;
        pid_ = fork();
        REQUIRE(pid_ >= 0);
        if (pid_ == 0) {
            std::string out = dir_ + "/supervisord.out";
            FILE* f = std::fopen(out.c_str(), "w");
            if (f) dup2(fileno(f), 1), dup2(fileno(f), 2);
            execlp("supervisord", "supervisord", "-n", "-c", conf_.c_str(), nullptr);
            _exit(127);
        }
        REQUIRE(wait_until([&] { return status().count("faultline-shim"); }, 30s));
    }

    ~Supervisord() {
        stop();
        std::error_code ec;
        if (!std::getenv("KEEP_TEST_DIRS")) fs::remove_all(dir_, ec);
    }

    // Stops supervisord (and with it the shim) and waits for it. True when it exited in time.
    bool stop() {
        if (pid_ <= 0) return true;
        kill(pid_, SIGTERM);
        auto deadline = Clock::now() + 40s;
        while (Clock::now() < deadline) {
            if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
                pid_ = -1;
                return true;
            }
            std::this_thread::sleep_for(50ms);
        }
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
        pid_ = -1;
        return false;
    }

    // Runs supervisorctl with args; returns its output (stdout and stderr).
    std::string ctl(const std::string& args) const {
        std::string cmd = "supervisorctl -c " + conf_ + " " + args + " 2>&1";
        std::string out;
        if (FILE* p = popen(cmd.c_str(), "r")) {
            char buf[4096];
            size_t n;
            while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
            pclose(p);
        }
        return out;
    }

    // `supervisorctl status`, by process name ("group:name" for pools of several).
    std::map<std::string, ProcStatus> status() const {
        std::map<std::string, ProcStatus> out;
        std::istringstream in(ctl("status"));
        std::string line;
        while (std::getline(in, line)) {
            std::istringstream ls(line);
            std::string name, state, word;
            if (!(ls >> name >> state)) continue;
            ProcStatus s{state, 0};
            if (ls >> word && word == "pid" && ls >> word) s.pid = std::atol(word.c_str());
            out[name] = s;
        }
        return out;
    }

    bool wait_states(const std::map<std::string, std::string>& want,
                     std::chrono::milliseconds timeout) const {
        return wait_until(
            [&] {
                auto st = status();
                for (const auto& [name, state] : want)
                    if (!st.count(name) || st[name].state != state) return false;
                return true;
            },
            timeout);
    }

    std::string log() const { return read_file(dir_ + "/supervisord.log"); }
    std::string shim_log() const { return read_file(dir_ + "/shim.err.log"); }
    const std::string& dir() const { return dir_; }

    // Kills all pids while supervisord is frozen, so it finds every death in the same instant.
    void kill_all_at_once(const std::map<std::string, long>& pids, int sig) const {
        REQUIRE(kill(pid_, SIGSTOP) == 0);
        for (const auto& [name, pid] : pids) kill(pid_t(pid), sig);
        std::this_thread::sleep_for(200ms);  // let every process die (zombies until reaped)
        REQUIRE(kill(pid_, SIGCONT) == 0);
    }

  private:
    std::string dir_, conf_;
    pid_t pid_ = -1;
};

// Watches `supervisorctl status faultline-shim` in the background: the listener must stay
// RUNNING with the same pid the whole time.
class ListenerWatch {
  public:
    explicit ListenerWatch(const Supervisord& sv) : sv_(sv) {
        auto st = sv_.status();
        REQUIRE(st.count("faultline-shim"));
        REQUIRE(st["faultline-shim"].state == "RUNNING");
        pid_ = st["faultline-shim"].pid;
        REQUIRE(pid_ > 0);
        thread_ = std::thread([this] {
            while (!stop_) {
                check();
                for (int i = 0; i < 5 && !stop_; ++i) std::this_thread::sleep_for(100ms);
            }
        });
    }
    ~ListenerWatch() { finish(); }

    // Stops watching; returns every deviation seen (empty = RUNNING, same pid, throughout).
    std::vector<std::string> finish() {
        if (thread_.joinable()) {
            stop_ = true;
            thread_.join();
            check();
        }
        std::lock_guard lock(mu_);
        return problems_;
    }
    size_t samples() const { return samples_; }

  private:
    void check() {
        auto st = sv_.status();
        ProcStatus s = st.count("faultline-shim") ? st["faultline-shim"] : ProcStatus{"MISSING", 0};
        std::lock_guard lock(mu_);
        ++samples_;
        if (s.state != "RUNNING" || s.pid != pid_)
            problems_.push_back(s.state + " pid " + std::to_string(s.pid));
    }
    const Supervisord& sv_;
    long pid_ = 0;
    std::thread thread_;
    std::atomic<bool> stop_{false};
    std::mutex mu_;
    std::vector<std::string> problems_;
    std::atomic<size_t> samples_{0};
};

// supervisord's log must show a listener that kept to the protocol and lost nothing.
void check_clean_logs(const Supervisord& sv) {
    std::string log = sv.log();
    INFO("supervisord.log:\n" << log);
    CHECK(log.find("UNKNOWN") == std::string::npos);
    CHECK(log.find("buffer overflowed") == std::string::npos);
    CHECK(log.find("event was rejected") == std::string::npos);
    CHECK(log.find("bad result line") == std::string::npos);
    std::string shim = sv.shim_log();
    INFO("shim log:\n" << shim);
    CHECK(shim.find("malformed") == std::string::npos);
}

// Events received, keyed by service_name (data parsed loosely: our own canonical encoding).
std::multimap<std::string, faultline::Event> by_service(const faultline::test::Receiver& hub) {
    std::multimap<std::string, faultline::Event> out;
    for (const auto& e : hub.events()) {
        REQUIRE(e.type == "service_crashed");
        auto k = e.data.find("\"service_name\":\"");
        REQUIRE(k != std::string::npos);
        k += 16;
        out.emplace(e.data.substr(k, e.data.find('"', k) - k), e);
    }
    return out;
}

std::string crash_data(const std::string& name, const std::string& group, const std::string& from,
                       long pid, bool fatal) {
    std::string d = R"({"service_name":")" + name + R"(","group_name":")" + group +
                    R"(","from_state":")" + from + "\"";
    if (pid) d += ",\"pid\":" + std::to_string(pid);
    return d + ",\"expected\":false,\"fatal\":" + (fatal ? "true" : "false") + "}";
}

std::string burst_programs(const std::string& name, int n, bool autostart = true) {
    return "[program:" + name +
           "]\ncommand=sleep 1000\nprocess_name=%(program_name)s_%(process_num)02d\n" +
           "numprocs=" + std::to_string(n) + "\nstartsecs=1\nautorestart=false\n" +
           "autostart=" + (autostart ? "true" : "false") + "\n";
}

// Status names and pids of the n processes of a burst group, once all are RUNNING.
std::map<std::string, long> running_burst(const Supervisord& sv, const std::string& name, int n) {
    std::map<std::string, std::string> want;
    for (int i = 0; i < n; ++i) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%s:%s_%02d", name.c_str(), name.c_str(), i);
        want[buf] = "RUNNING";
    }
    REQUIRE(sv.wait_states(want, 60s));
    auto st = sv.status();
    std::map<std::string, long> pids;
    for (const auto& [full, _] : want) pids[full.substr(full.find(':') + 1)] = st[full].pid;
    return pids;
}

}  // namespace

TEST_CASE("each kind of exit produces exactly the expected events") {
    faultline::test::Receiver hub;
    const std::string programs = R"(
[program:segv]
command=sleep 1000
startsecs=1
autorestart=false
[program:exit1]
command=/bin/sh -c "sleep 6; exit 1"
startsecs=1
autorestart=false
[program:stopme]
command=sleep 1000
startsecs=1
[program:expected]
command=/bin/sh -c "sleep 6; exit 0"
startsecs=1
autorestart=false
[program:fatal]
command=/bin/sh -c "exit 7"
startsecs=1
startretries=1
[program:sentinel]
command=sleep 1000
startsecs=1
autorestart=false
)";
    Supervisord sv(hub.url(), programs);
    REQUIRE(sv.wait_states({{"faultline-shim", "RUNNING"},
                            {"segv", "RUNNING"},
                            {"exit1", "RUNNING"},
                            {"stopme", "RUNNING"},
                            {"expected", "RUNNING"},
                            {"sentinel", "RUNNING"}},
                           30s));
    ListenerWatch watch(sv);
    auto st = sv.status();
    const long segv_pid = st["segv"].pid, exit1_pid = st["exit1"].pid;

    REQUIRE(kill(segv_pid, SIGSEGV) == 0);
    CHECK(sv.ctl("stop stopme").find("stopped") != std::string::npos);
    REQUIRE(sv.wait_states({{"segv", "EXITED"},
                            {"exit1", "EXITED"},
                            {"stopme", "STOPPED"},
                            {"expected", "EXITED"},
                            {"fatal", "FATAL"}},
                           60s));
    // Events travel in order (one listener, one outbox): once the sentinel's crash is in,
    // everything before it is too, and absent events really are absent.
    const long sentinel_pid = sv.status()["sentinel"].pid;
    REQUIRE(kill(sentinel_pid, SIGKILL) == 0);
    REQUIRE(wait_until([&] { return by_service(hub).count("sentinel") == 1; }, 20s));
    std::this_thread::sleep_for(500ms);

    auto got = by_service(hub);
    INFO("events: " << got.size());
    CHECK(got.size() == 4);
    CHECK(got.count("stopme") == 0);
    CHECK(got.count("expected") == 0);
    const std::map<std::string, std::string> want = {
        {"segv", crash_data("segv", "segv", "RUNNING", segv_pid, false)},
        {"exit1", crash_data("exit1", "exit1", "RUNNING", exit1_pid, false)},
        {"fatal", crash_data("fatal", "fatal", "BACKOFF", 0, true)},
        {"sentinel", crash_data("sentinel", "sentinel", "RUNNING", sentinel_pid, false)},
    };
    for (const auto& [name, data] : want) {
        INFO(name);
        REQUIRE(got.count(name) == 1);
        const auto& e = got.find(name)->second;
        CHECK(e.data == data);
        CHECK(e.category == "system");
        CHECK(e.source.kind == "supervisord");
        CHECK(e.source.name == "faultline-test");  // supervisord's identifier
        CHECK(faultline::is_rfc3339(e.ts));
        CHECK(e.id.rfind("supervisord-shim-", 0) == 0);
    }
    CHECK(hub.duplicates() == 0);

    auto problems = watch.finish();
    INFO("listener status deviations: " << problems.size());
    CHECK(problems.empty());
    CHECK(watch.samples() >= 2);
    check_clean_logs(sv);

    // supervisord stops the shim with SIGTERM; with everything delivered it exits 0.
    REQUIRE(sv.stop());
    CHECK(sv.log().find("stopped: faultline-shim (exit status 0)") != std::string::npos);
    CHECK(sv.shim_log().find("stopping on signal") != std::string::npos);
}

TEST_CASE("30 services crashing at the same instant produce 30 events") {
    faultline::test::Receiver hub;
    Supervisord sv(hub.url(), burst_programs("burst", 30));
    auto pids = running_burst(sv, "burst", 30);
    ListenerWatch watch(sv);
    sv.kill_all_at_once(pids, SIGSEGV);

    CHECK(hub.wait_for(30, 60s));
    std::this_thread::sleep_for(1s);  // nothing more may arrive
    auto got = by_service(hub);
    CHECK(got.size() == 30);
    for (const auto& [name, pid] : pids) {
        INFO(name);
        REQUIRE(got.count(name) == 1);
        CHECK(got.find(name)->second.data == crash_data(name, "burst", "RUNNING", pid, false));
    }
    CHECK(watch.finish().empty());
    check_clean_logs(sv);
}

TEST_CASE("control: supervisord's default buffer of 10 loses part of a 30-crash burst") {
    // Shows the checks above can fail: with buffer_size=10 supervisord itself discards events.
    faultline::test::Receiver hub;
    Supervisord sv(hub.url(), burst_programs("burst", 30), 10);
    auto pids = running_burst(sv, "burst", 30);
    sv.kill_all_at_once(pids, SIGSEGV);
    REQUIRE(sv.wait_states({{"burst:burst_29", "EXITED"}, {"burst:burst_00", "EXITED"}}, 30s));
    REQUIRE(
        wait_until([&] { return sv.log().find("buffer overflowed") != std::string::npos; }, 10s));
    hub.wait_for(30, 5s);
    CHECK(hub.events().size() < 30);
}

TEST_CASE("hub down for 10 s while services crash: every event arrives exactly once") {
    faultline::test::Receiver hub;
    std::string programs = burst_programs("down", 6) + R"(
[program:downfatal]
command=/bin/sh -c "exit 3"
startsecs=1
startretries=1
autostart=false
)";
    Supervisord sv(hub.url(), programs);
    auto pids = running_burst(sv, "down", 6);
    ListenerWatch watch(sv);

    hub.stop();
    const auto down_at = Clock::now();
    for (const auto& [name, pid] : pids) {
        kill(pid, SIGSEGV);
        std::this_thread::sleep_for(300ms);  // crashes spread over the outage
    }
    sv.ctl("start downfatal");
    REQUIRE(sv.wait_states({{"downfatal", "FATAL"}}, 30s));
    std::this_thread::sleep_for(down_at + 10s - Clock::now());
    CHECK(hub.events().empty());
    hub.restart();

    CHECK(hub.wait_for(7, 30s));
    std::this_thread::sleep_for(1s);
    auto got = by_service(hub);
    CHECK(got.size() == 7);
    for (const auto& [name, pid] : pids) {
        INFO(name);
        CHECK(got.count(name) == 1);
    }
    CHECK(got.count("downfatal") == 1);
    CHECK(hub.duplicates() == 0);
    CHECK(watch.finish().empty());
    check_clean_logs(sv);
    CHECK(sv.shim_log().find("reachable again") != std::string::npos);
}
