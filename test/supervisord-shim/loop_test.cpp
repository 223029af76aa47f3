// The I/O loop over real pipes: the exact bytes written back, acknowledgement before hand-off,
// split reads, malformed input, end of input, stop signal and a vanished supervisord.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "catch.hpp"
#include "faultline/clock.hpp"
#include "listener_loop.hpp"

using namespace faultline::shim;
using namespace std::chrono_literals;

namespace {
const std::string kAckReady = "RESULT 2\nOKREADY\n";

std::string envelope(std::string_view eventname, std::string_view payload) {
    return "ver:3.0 server:supervisor serial:1 pool:l poolserial:1 eventname:" +
           std::string(eventname) + " len:" + std::to_string(payload.size()) + "\n" +
           std::string(payload);
}
const std::string kExit = envelope(
    "PROCESS_STATE_EXITED", "processname:a groupname:a from_state:RUNNING expected:0 pid:42");

// Runs run_listener on pipes in a thread, the way supervisord would talk to it.
struct Harness {
    int to_shim[2], from_shim[2], stop[2];
    std::thread thread;
    std::mutex mu;
    std::vector<Message> messages;
    std::vector<std::string> read_at;
    std::vector<int> pending_at_handoff;  // protocol bytes unread when the handler ran
    std::vector<std::string> logs;
    std::atomic<bool> done{false};
    LoopEnd end{};

    Harness() {
        signal(SIGPIPE, SIG_IGN);
        REQUIRE(pipe(to_shim) == 0);
        REQUIRE(pipe(from_shim) == 0);
        REQUIRE(pipe(stop) == 0);
        thread = std::thread([this] {
            end = run_listener(
                LoopIo{to_shim[0], from_shim[1], stop[0]},
                [this](const Message& m, const std::string& at) {
                    int avail = 0;
                    ioctl(from_shim[0], FIONREAD, &avail);
                    std::lock_guard lock(mu);
                    messages.push_back(m);
                    read_at.push_back(at);
                    pending_at_handoff.push_back(avail);
                },
                [this](std::string_view line) {
                    std::lock_guard lock(mu);
                    logs.emplace_back(line);
                });
            done = true;
        });
    }
    ~Harness() {
        if (to_shim[1] >= 0) close(to_shim[1]);
        if (thread.joinable()) thread.join();
        for (int fd : {to_shim[0], from_shim[0], from_shim[1], stop[0], stop[1]}) close(fd);
    }
    void send(std::string_view s) {
        REQUIRE(write(to_shim[1], s.data(), s.size()) == ssize_t(s.size()));
    }
    void close_input() {
        close(to_shim[1]);
        to_shim[1] = -1;
    }
    // Reads exactly n bytes of protocol output (fails the test after 5 s).
    std::string read_out(size_t n) {
        std::string out;
        auto deadline = std::chrono::steady_clock::now() + 5s;
        while (out.size() < n && std::chrono::steady_clock::now() < deadline) {
            pollfd p{from_shim[0], POLLIN, 0};
            if (poll(&p, 1, 50) != 1) continue;
            char buf[256];
            ssize_t got = read(from_shim[0], buf, std::min(sizeof buf, n - out.size()));
            if (got <= 0) break;
            out.append(buf, size_t(got));
        }
        return out;
    }
    // Bytes of protocol output waiting to be read right now.
    int unread() {
        int avail = 0;
        ioctl(from_shim[0], FIONREAD, &avail);
        return avail;
    }
    size_t message_count() {
        std::lock_guard lock(mu);
        return messages.size();
    }
    // Waits (up to 5 s) until the handler has seen n messages; returns how many it saw.
    size_t wait_messages(size_t n) {
        for (int i = 0; i < 500 && message_count() < n; ++i) std::this_thread::sleep_for(10ms);
        return message_count();
    }
    bool wait_done() {
        for (int i = 0; i < 500 && !done; ++i) std::this_thread::sleep_for(10ms);
        return done;
    }
};
}  // namespace

TEST_CASE("READY first, then exactly RESULT 2\\nOK and READY per event, nothing else") {
    Harness h;
    CHECK(h.read_out(6) == "READY\n");
    for (int i = 0; i < 3; ++i) {
        h.send(kExit);
        CHECK(h.read_out(kAckReady.size()) == kAckReady);
    }
    h.close_input();
    REQUIRE(h.wait_done());
    CHECK(h.end == LoopEnd::eof);
    CHECK(h.unread() == 0);  // no stray byte, in particular no newline after OK
    REQUIRE(h.wait_messages(3) == 3);
    CHECK(h.messages[0].envelope.eventname == "PROCESS_STATE_EXITED");
    CHECK(h.logs.empty());
}

TEST_CASE("the acknowledgement is written before the event is handed on") {
    Harness h;
    CHECK(h.read_out(6) == "READY\n");
    h.send(kExit);
    REQUIRE(h.wait_messages(1) == 1);
    CHECK(h.pending_at_handoff[0] == int(kAckReady.size()));
    CHECK(faultline::is_rfc3339(h.read_at[0]));
    CHECK(h.read_out(kAckReady.size()) == kAckReady);
}

TEST_CASE("an event written one byte at a time is answered once, after its last byte") {
    Harness h;
    CHECK(h.read_out(6) == "READY\n");
    for (size_t i = 0; i < kExit.size(); ++i) {
        h.send(std::string_view(&kExit[i], 1));
        std::this_thread::sleep_for(1ms);
        if (i + 1 < kExit.size()) REQUIRE(h.unread() == 0);
    }
    CHECK(h.read_out(kAckReady.size()) == kAckReady);
    REQUIRE(h.wait_messages(1) == 1);
    CHECK(h.messages[0].payload.find("pid:42") != std::string::npos);
}

TEST_CASE("a malformed header is logged and acknowledged, and the next event still works") {
    Harness h;
    CHECK(h.read_out(6) == "READY\n");
    // A bad header together with the rest of its envelope, in one write, as supervisord would.
    h.send("ver:3.0 eventname:PROCESS_STATE_EXITED len:abc\nprocessname:x pid:1");
    CHECK(h.read_out(kAckReady.size()) == kAckReady);
    std::this_thread::sleep_for(50ms);
    CHECK(h.unread() == 0);  // exactly one acknowledgement for it
    h.send(kExit);
    CHECK(h.read_out(kAckReady.size()) == kAckReady);
    REQUIRE(h.wait_messages(1) == 1);
    CHECK(h.messages[0].payload.find("pid:42") != std::string::npos);
    std::lock_guard lock(h.mu);
    REQUIRE(h.logs.size() == 1);
    CHECK(h.logs[0].find("malformed event header") != std::string::npos);
    CHECK(h.logs[0].find("len:abc") != std::string::npos);
}

TEST_CASE("binary garbage is logged printable and acknowledged") {
    Harness h;
    CHECK(h.read_out(6) == "READY\n");
    h.send(std::string("\x01\xff\x00 junk\n", 9));
    CHECK(h.read_out(kAckReady.size()) == kAckReady);
    for (int i = 0; i < 100 && h.logs.empty(); ++i) std::this_thread::sleep_for(10ms);
    std::lock_guard lock(h.mu);
    REQUIRE(h.logs.size() == 1);
    CHECK(h.logs[0].find("\\x01\\xff\\x00") != std::string::npos);
}

TEST_CASE("end of input in the middle of an event ends the loop and says so") {
    Harness h;
    CHECK(h.read_out(6) == "READY\n");
    h.send(std::string_view(kExit).substr(0, 20));
    h.close_input();
    REQUIRE(h.wait_done());
    CHECK(h.end == LoopEnd::eof);
    CHECK(h.message_count() == 0);
    REQUIRE(h.logs.size() == 1);
    CHECK(h.logs[0].find("middle of an event") != std::string::npos);
}

TEST_CASE("the stop descriptor ends the loop") {
    Harness h;
    CHECK(h.read_out(6) == "READY\n");
    REQUIRE(write(h.stop[1], "x", 1) == 1);
    REQUIRE(h.wait_done());
    CHECK(h.end == LoopEnd::stopped);
}

TEST_CASE("a vanished reader of stdout is an I/O error, not a hang") {
    Harness h;
    CHECK(h.read_out(6) == "READY\n");
    close(h.from_shim[0]);
    h.from_shim[0] = open("/dev/null", O_RDONLY);  // keep the destructor's close harmless
    h.send(kExit);
    REQUIRE(h.wait_done());
    CHECK(h.end == LoopEnd::io_error);
}

TEST_CASE("printable escapes control bytes and backslashes and clips") {
    CHECK(printable("a\nb\\c") == "a\\x0ab\\x5cc");
    CHECK(printable(std::string(300, 'x'), 10) == "xxxxxxxxxx...");
}
