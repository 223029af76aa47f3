#include "faultline/log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "catch.hpp"

namespace {
// Points fd 2 at an O_APPEND temporary file for the lifetime of the object.
struct CapturedStderr {
    std::string path;
    int saved = -1;
    CapturedStderr() {
        char tmpl[] = "/tmp/faultline-log-test-XXXXXX";
        int fd = mkstemp(tmpl);
        REQUIRE(fd >= 0);
        path = tmpl;
        ::close(fd);
        fd = ::open(tmpl, O_WRONLY | O_APPEND | O_CLOEXEC);
        REQUIRE(fd >= 0);
        saved = ::dup(2);
        REQUIRE(::dup2(fd, 2) == 2);
        ::close(fd);
    }
    ~CapturedStderr() {
        restore();
        ::unlink(path.c_str());
    }
    void restore() {
        if (saved >= 0) ::dup2(saved, 2), ::close(saved), saved = -1;
    }
    std::string contents() const {
        std::string out;
        if (FILE* f = std::fopen(path.c_str(), "r")) {
            char buf[4096];
            for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) out.append(buf, n);
            std::fclose(f);
        }
        return out;
    }
};
}  // namespace

TEST_CASE("stderr_log writes prefix: message and a newline") {
    CapturedStderr cap;
    faultline::LogFn log = faultline::stderr_log("kmsgmon");
    log("cannot open /dev/kmsg: Permission denied");
    log("");
    cap.restore();
    CHECK(cap.contents() == "kmsgmon: cannot open /dev/kmsg: Permission denied\nkmsgmon: \n");
}

TEST_CASE("lines logged from many threads at once never interleave") {
    CapturedStderr cap;
    faultline::LogFn log = faultline::stderr_log("p");
    constexpr int kThreads = 4, kLines = 300;
    const std::string filler(1000, 'x');  // long lines: fprintf would split them
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < kLines; ++i)
                log(std::to_string(t) + " " + std::to_string(i) + " " + filler);
        });
    for (auto& th : threads) th.join();
    cap.restore();

    const std::string all = cap.contents();
    int lines = 0;
    std::vector<int> next(kThreads, 0);  // each thread's lines arrive whole and in order
    for (size_t at = 0; at < all.size();) {
        const size_t nl = all.find('\n', at);
        REQUIRE(nl != std::string::npos);
        const std::string line = all.substr(at, nl - at);
        at = nl + 1;
        int t = -1, i = -1;
        REQUIRE(std::sscanf(line.c_str(), "p: %d %d ", &t, &i) == 2);
        REQUIRE(t >= 0);
        REQUIRE(t < kThreads);
        CHECK(i == next[t]++);
        CHECK(line.size() ==
              3 + std::to_string(t).size() + 1 + std::to_string(i).size() + 1 + filler.size());
        CHECK(line.ends_with(filler));
        ++lines;
    }
    CHECK(lines == kThreads * kLines);
}

TEST_CASE("null_log accepts and drops") {
    faultline::LogFn log = faultline::null_log();
    REQUIRE(log);  // callable: a component may call it without checking
    CapturedStderr err;
    log("nothing");
    err.restore();
    CHECK(err.contents().empty());  // dropped, not written
}
