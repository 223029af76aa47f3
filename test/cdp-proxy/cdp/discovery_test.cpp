// Upstream discovery from a followed Chromium log (tail -F: late file, appends, truncation,
// rotation), watchers, and the disconnect-reason rules.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "catch.hpp"
#include "cdp/log_follower.hpp"
#include "cdp/upstream_discovery.hpp"

using namespace faultline::cdp;
namespace fs = std::filesystem;

namespace {

fs::path temp_dir() {
    std::string tmpl = (fs::temp_directory_path() / "faultline-discovery-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()));
    return tmpl;
}

void append(const fs::path& p, const std::string& text) {
    std::ofstream(p, std::ios::app) << text;
}

}  // namespace

TEST_CASE("the log follower reads lines across a late file, appends, truncation and rotation") {
    fs::path dir = temp_dir();
    fs::path log = dir / "chromium.log";
    std::vector<std::string> lines;
    LogFollower f(log.string(), [&](std::string_view l) { lines.emplace_back(l); });
    f.poll_once();  // no file yet: nothing, no error
    CHECK(lines.empty());
    append(log, "one\ntw");
    f.poll_once();
    REQUIRE(lines == std::vector<std::string>{"one"});
    append(log, "o\n");
    f.poll_once();
    REQUIRE(lines == std::vector<std::string>{"one", "two"});
    // Truncated in place (copytruncate): read again from the start.
    { std::ofstream(log, std::ios::trunc) << "three\n"; }
    f.poll_once();
    REQUIRE(lines.back() == "three");
    // Rotated: the rest of the old file, then the new file from its start.
    append(log, "four\n");
    fs::rename(log, dir / "chromium.log.1");
    append(log, "five\n");
    f.poll_once();
    f.poll_once();
    CHECK(lines == std::vector<std::string>{"one", "two", "three", "four", "five"});
    fs::remove_all(dir);
}

TEST_CASE("discovery follows the log: the last URL wins and watchers are told") {
    fs::path dir = temp_dir();
    fs::path log = dir / "chromium.log";
    append(log,
           "DevTools listening on ws://127.0.0.1:9301/devtools/browser/old\n"
           "DevTools listening on ws://127.0.0.1:9301/devtools/browser/first\n");
    UpstreamDiscovery d({.chromium_log = log.string(), .upstream = "127.0.0.1:9223"});
    std::atomic<int> told{0};  // watchers run on the discovery thread
    d.watch([&] { ++told; });
    std::string error;
    REQUIRE(d.start(error));
    using namespace std::chrono;
    auto snap = d.wait_for_change(0, steady_clock::now() + seconds(5));
    // Both lines may be read in one step; the snapshot shows the last.
    for (int i = 0; i < 50 && (!snap.url || snap.url->path != "/devtools/browser/first"); ++i)
        snap = d.wait_for_change(snap.version, steady_clock::now() + milliseconds(100));
    REQUIRE(snap.url);
    CHECK(snap.url->path == "/devtools/browser/first");
    append(
        log,
        "[1:2:ERROR] noise\nDevTools listening on ws://127.0.0.1:9302/devtools/browser/second\n");
    auto next = d.wait_for_change(snap.version, steady_clock::now() + seconds(5));
    REQUIRE(next.url);
    CHECK(next.url->url == "ws://127.0.0.1:9302/devtools/browser/second");
    CHECK(next.version > snap.version);
    CHECK(told >= 2);
    CHECK_FALSE(d.offer("ws://127.0.0.1:9302/devtools/browser/second"));  // no change
    CHECK_FALSE(d.offer("garbage"));
    CHECK(d.offer("ws://127.0.0.1:9303/devtools/browser/third"));
    CHECK(d.current().url->address.port == 9303);
    d.stop();
    fs::remove_all(dir);
}

TEST_CASE("a bad --upstream is an error at start") {
    UpstreamDiscovery d({.chromium_log = "", .upstream = "no-port"});
    std::string error;
    CHECK_FALSE(d.start(error));
    CHECK_FALSE(error.empty());
}
