// The supervisord-shim binary as a process: flags and their environment twins, the exact bytes
// on stdout over a whole session, delivery to a real HTTP receiver, and shutdown on end of
// input and on SIGTERM (flush with a 2 s deadline).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "catch.hpp"
#include "faultline/clock.hpp"
#include "receiver.hpp"

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {
std::string shim_path() {
    const char* p = std::getenv("SUPERVISORD_SHIM");
    REQUIRE(p);
    return p;
}

std::string envelope(std::string_view eventname, std::string_view payload) {
    return "ver:3.0 server:supervisor serial:1 pool:faultline-shim poolserial:1 eventname:" +
           std::string(eventname) + " len:" + std::to_string(payload.size()) + "\n" +
           std::string(payload);
}

// The shim with piped stdin and stdout and stderr in a file.
struct Shim {
    pid_t pid = -1;
    int in = -1, out = -1;
    std::string err_path;

    Shim(std::vector<std::string> args, std::vector<std::string> env = {}) {
        char tmpl[] = "/tmp/shim-stderr-XXXXXX";
        int errfd = mkstemp(tmpl);
        REQUIRE(errfd >= 0);
        err_path = tmpl;
        int pin[2], pout[2];
        REQUIRE(pipe2(pin, O_CLOEXEC) == 0);
        REQUIRE(pipe2(pout, O_CLOEXEC) == 0);
        pid = fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            dup2(pin[0], 0);
            dup2(pout[1], 1);
            dup2(errfd, 2);
            for (const auto& e : env) putenv(const_cast<char*>(e.c_str()));
            std::vector<char*> argv;
            std::string path = shim_path();
            argv.push_back(path.data());
            for (auto& a : args) argv.push_back(a.data());
            argv.push_back(nullptr);
            execv(path.c_str(), argv.data());
            _exit(127);
        }
        close(errfd);
        close(pin[0]);
        close(pout[1]);
        in = pin[1];
        out = pout[0];
    }
    ~Shim() {
        if (pid > 0) {
            kill(pid, SIGKILL);
            waitpid(pid, nullptr, 0);
        }
        if (in >= 0) close(in);
        close(out);
        unlink(err_path.c_str());
    }
    void send(std::string_view s) { REQUIRE(write(in, s.data(), s.size()) == ssize_t(s.size())); }
    void close_input() {
        close(in);
        in = -1;
    }
    // Reads n bytes of stdout, or what came within 10 s.
    std::string read_out(size_t n) {
        std::string got;
        auto deadline = Clock::now() + 10s;
        while (got.size() < n && Clock::now() < deadline) {
            pollfd p{out, POLLIN, 0};
            if (poll(&p, 1, 50) != 1) continue;
            char buf[512];
            ssize_t r = read(out, buf, std::min(sizeof buf, n - got.size()));
            if (r <= 0) break;
            got.append(buf, size_t(r));
        }
        return got;
    }
    // Everything left on stdout until the shim closes it.
    std::string read_rest() {
        std::string got;
        char buf[512];
        ssize_t r;
        while ((r = read(out, buf, sizeof buf)) > 0) got.append(buf, size_t(r));
        return got;
    }
    // Waits for the exit; returns the exit status, or -1 on a timeout or a signal.
    int wait_exit(std::chrono::seconds timeout = 20s) {
        auto deadline = Clock::now() + timeout;
        while (Clock::now() < deadline) {
            int st = 0;
            if (waitpid(pid, &st, WNOHANG) == pid) {
                pid = -1;
                return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
            }
            std::this_thread::sleep_for(10ms);
        }
        return -1;
    }
    std::string stderr_text() const {
        std::ifstream f(err_path);
        std::stringstream ss;
        ss << f.rdbuf();
        return ss.str();
    }
};

// Runs the shim with args to completion with no input; returns {exit status, stdout+stderr}.
std::pair<int, std::string> run_once(std::vector<std::string> args,
                                     std::vector<std::string> env = {}) {
    Shim s(std::move(args), std::move(env));
    s.close_input();
    std::string out = s.read_rest();
    int rc = s.wait_exit();
    return {rc, out + s.stderr_text()};
}

const std::string kReadyAck = "RESULT 2\nOKREADY\n";
const std::string kCrash = envelope(
    "PROCESS_STATE_EXITED", "processname:web groupname:www from_state:RUNNING expected:0 pid:77");
}  // namespace

TEST_CASE("--help reads like a man page and exits 0") {
    auto [rc, text] = run_once({"--help"});
    CHECK(rc == 0);
    for (auto s :
         {"Usage: supervisord-shim", "--hub URL", "FAULTLINE_HUB", "default http://127.0.0.1:10001",
          "--token", "FAULTLINE_TOKEN", "--flush-timeout", "Protocol:", "Events:",
          "Example (supervisord.conf):", "Exit status:", "Signals:", "buffer_size=1024"}) {
        INFO(s);
        CHECK(text.find(s) != std::string::npos);
    }
}

TEST_CASE("bad flags and bad environment values exit 2 with a clear message") {
    auto [rc1, t1] = run_once({"--no-such-flag"});
    CHECK(rc1 == 2);
    CHECK(t1.find("unknown flag '--no-such-flag'") != std::string::npos);
    auto [rc2, t2] = run_once({}, {"FAULTLINE_OUTBOX=lots"});
    CHECK(rc2 == 2);
    CHECK(t2.find("FAULTLINE_OUTBOX='lots'") != std::string::npos);
    auto [rc3, t3] = run_once({}, {"FAULTLINE_HUB=not a url"});
    CHECK(rc3 == 2);
    CHECK(t3.find("--hub 'not a url': expected an http:// URL") != std::string::npos);
    auto [rc5, t5] = run_once({"--hub", "https://hub.example"});
    CHECK(rc5 == 2);
    CHECK(t5.find("https:// is not supported") != std::string::npos);
    auto [rc4, t4] = run_once({"--outbox", "0"});
    CHECK(rc4 == 2);
}

TEST_CASE("a session: exact stdout bytes, crashes delivered, the rest skipped, EOF exits 0") {
    faultline::test::Receiver hub;
    // The hub comes from the environment twin of --hub.
    Shim s({}, {"FAULTLINE_HUB=" + hub.url()});
    std::string expected_out = "READY\n";
    CHECK(s.read_out(6) == "READY\n");
    const std::vector<std::string> inputs = {
        kCrash,
        envelope("PROCESS_STATE_EXITED",
                 "processname:ok groupname:ok from_state:RUNNING expected:1 pid:78"),
        envelope("TICK_5", "when:1201063880"),
        "complete nonsense\n",
        envelope("PROCESS_STATE_EXITED", "processname:broken"),
        envelope("PROCESS_STATE_FATAL", "processname:db groupname:db from_state:BACKOFF"),
    };
    for (const auto& in : inputs) {
        s.send(in);
        CHECK(s.read_out(kReadyAck.size()) == kReadyAck);
        expected_out += kReadyAck;
    }
    s.close_input();
    CHECK(s.read_rest().empty());  // nothing else, ever
    CHECK(s.wait_exit() == 0);

    auto evs = hub.events();
    REQUIRE(evs.size() == 2);
    CHECK(evs[0].type == "service_crashed");
    CHECK(evs[0].category == "system");
    CHECK(evs[0].source.kind == "supervisord");
    CHECK(evs[0].source.name == "supervisor");
    CHECK(faultline::is_rfc3339(evs[0].ts));
    CHECK(evs[0].id.rfind("supervisord-shim-", 0) == 0);
    CHECK(evs[0].data ==
          R"({"service_name":"web","group_name":"www","from_state":"RUNNING","pid":77,)"
          R"("expected":false,"fatal":false})");
    CHECK(evs[1].data == R"({"service_name":"db","group_name":"db","from_state":"BACKOFF",)"
                         R"("expected":false,"fatal":true})");
    std::string log = s.stderr_text();
    CHECK(log.find("malformed event header") != std::string::npos);
    CHECK(log.find("malformed PROCESS_STATE_EXITED payload") != std::string::npos);
    CHECK(log.find("end of input") != std::string::npos);
}

TEST_CASE("SIGTERM delivers what is queued and exits 0") {
    faultline::test::Receiver hub;
    Shim s({"--hub", hub.url()});
    CHECK(s.read_out(6) == "READY\n");
    s.send(kCrash);
    CHECK(s.read_out(kReadyAck.size()) == kReadyAck);
    REQUIRE(kill(s.pid, SIGTERM) == 0);
    CHECK(s.wait_exit() == 0);
    CHECK(hub.count("service_crashed") == 1);
    CHECK(s.stderr_text().find("stopping on signal") != std::string::npos);
}

TEST_CASE("with the hub down, SIGTERM gives up after the 2 s flush deadline and exits 3") {
    faultline::test::Receiver hub;
    std::string url = hub.url();
    hub.stop();  // nothing listens on this port now
    Shim s({"--hub", url});
    CHECK(s.read_out(6) == "READY\n");
    s.send(kCrash);
    // Acknowledged at once although the hub is down.
    CHECK(s.read_out(kReadyAck.size()) == kReadyAck);
    auto t0 = Clock::now();
    REQUIRE(kill(s.pid, SIGTERM) == 0);
    CHECK(s.wait_exit() == 3);
    auto took = Clock::now() - t0;
    CHECK(took >= 1500ms);  // it did try for the deadline
    CHECK(took < 10s);      // and did not hang past it
    CHECK(s.stderr_text().find("1 undelivered") != std::string::npos);
}

TEST_CASE("events wait in the outbox while the hub is down and arrive once when it returns") {
    faultline::test::Receiver hub;
    hub.stop();
    Shim s({"--hub", hub.url()});
    CHECK(s.read_out(6) == "READY\n");
    for (int i = 0; i < 5; ++i) {
        s.send(envelope(
            "PROCESS_STATE_EXITED",
            "processname:p" + std::to_string(i) +
                " groupname:g from_state:RUNNING expected:0 pid:" + std::to_string(100 + i)));
        CHECK(s.read_out(kReadyAck.size()) == kReadyAck);
    }
    std::this_thread::sleep_for(1s);
    hub.restart();
    CHECK(hub.wait_for(5, 15s));
    s.close_input();
    CHECK(s.wait_exit() == 0);
    CHECK(hub.events().size() == 5);
    CHECK(hub.duplicates() == 0);
}
