// Unit tests of kmsgmon's cgroup part on fixture trees (v2, v1, hybrid; the machines here
// cannot put the memory controller on v2), the OOM counter's reconciliation with the kernel
// log in a real poll loop, and the inotify wake-up on the real unified hierarchy.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

#include "catch.hpp"
#include "cgroup/discovery.hpp"
#include "cgroup/file_watch.hpp"
#include "cgroup/memory_files.hpp"
#include "cgroup/oom_watch.hpp"
#include "cgroup/placement.hpp"
#include "cgroup/pressure_level.hpp"
#include "cgroup/victim_table.hpp"
#include "faultline/event_decode.hpp"
#include "pressure/event.hpp"

using namespace faultline::kmsgmon;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

struct Tree {
    fs::path root;
    Tree() {
        char tmpl[] = "/tmp/faultline-cgroup-test-XXXXXX";
        root = ::mkdtemp(tmpl);
    }
    ~Tree() { fs::remove_all(root); }
    std::string put(const std::string& rel, const std::string& text) const {
        const fs::path p = root / rel;
        fs::create_directories(p.parent_path());
        std::ofstream(p) << text;
        return p.string();
    }
    std::string dir(const std::string& rel) const { return (root / rel).string(); }
};

const char* kHybridMountinfo =
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
    "22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n";

// Run the loop until pred() holds or the deadline passes.
template <class Pred>
bool run_until(EventLoop& loop, Pred pred, std::chrono::milliseconds max = 5000ms) {
    const auto end = EventLoop::Clock::now() + max;
    while (!pred() && EventLoop::Clock::now() < end) {
        loop.add_timer(EventLoop::Clock::now() + 20ms, [&] { loop.stop(); });
        std::string err;
        loop.run(err);
    }
    return pred();
}

OomKill kernel_kill(int64_t pid, const std::string& comm, const std::string& task_memcg) {
    OomKill k;
    k.killed.pid = pid;
    k.killed.comm = comm;
    k.killed.anon_rss_kb = 90000;
    k.constraint = OomConstraint{};
    k.constraint->task_memcg = task_memcg;
    k.constraint->constraint = "CONSTRAINT_MEMCG";
    k.kernel_seq = 7;
    k.message = "Memory cgroup out of memory: Killed process ...";
    return k;
}

// The hub's own strict decoder (unknown fields, wrong types, values outside an enum fail).
void check_schema(const std::vector<faultline::Event>& events) {
    faultline::EventDecoder decoder;
    for (const auto& e : events) {
        faultline::Event out;
        faultline::DecodeError err;
        INFO(faultline::encode_event(e));
        CHECK(decoder.decode(faultline::encode_event(e), out, err));
        INFO(err.message);
    }
}

}  // namespace

TEST_CASE("mountinfo and /proc/self/cgroup parsing") {
    const auto mounts = parse_cgroup_mounts(kHybridMountinfo);
    REQUIRE(mounts.size() == 2);
    CHECK(mounts[0].memory);
    CHECK_FALSE(mounts[0].v2);
    CHECK(mounts[1].v2);
    CHECK(mounts[1].mount_point == "/sys/fs/cgroup/unified");
    const char* pc = "4:memory:/process_api/abc\n1:cpu,cpuacct:/\n0::/user.slice\n";
    CHECK(proc_cgroup_path(pc, "memory") == "/process_api/abc");
    CHECK(proc_cgroup_path(pc, "") == "/user.slice");
    CHECK_FALSE(proc_cgroup_path("1:cpu:/\n", "memory"));
    CHECK(parse_cgroup_mounts("garbage\n - \n1 2 3\n").empty());
}

TEST_CASE("discovery: hybrid (v1 memory, v2 PSI), as on these machines") {
    Tree t;
    t.put("sys/fs/cgroup/memory/job/memory.oom_control", "oom_kill_disable 0\noom_kill 0\n");
    t.put("sys/fs/cgroup/unified/job/memory.pressure", "some avg10=0.00\n");
    const auto info =
        discover_cgroup("4:memory:/job\n0::/job\n", kHybridMountinfo, t.root.string(), "");
    CHECK(info.layout == CgroupInfo::Layout::v1);
    CHECK(info.dir == t.dir("sys/fs/cgroup/memory/job"));
    CHECK(info.host_path == "/job");
    CHECK(info.psi_path == t.dir("sys/fs/cgroup/unified/job/memory.pressure"));
    CHECK_FALSE(info.mounted_root);
    CHECK(std::string(info.layout_name()).find("hybrid") != std::string::npos);
}

TEST_CASE("discovery: a container's v1 cgroup mounted as the root") {
    Tree t;
    t.put("sys/fs/cgroup/memory/memory.oom_control", "oom_kill 3\n");
    const std::string mi =
        "35 31 0:32 /libpod_parent/libpod-1 /sys/fs/cgroup/memory ro,nosuid - cgroup cgroup "
        "rw,memory\n";
    const auto info =
        discover_cgroup("4:memory:/libpod_parent/libpod-1\n", mi, t.root.string(), "");
    CHECK(info.layout == CgroupInfo::Layout::v1);
    CHECK(info.dir == t.dir("sys/fs/cgroup/memory"));
    CHECK(info.host_path == "/libpod_parent/libpod-1");
    CHECK(info.mounted_root);
    CHECK(info.psi_path.empty());
}

TEST_CASE("discovery: cgroup v2 with and without the memory controller") {
    Tree t;
    const std::string mi = "30 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";
    t.put("sys/fs/cgroup/app/memory.events", "oom 0\noom_kill 0\n");
    t.put("sys/fs/cgroup/app/memory.pressure", "some avg10=0.00\n");
    auto info = discover_cgroup("0::/app\n", mi, t.root.string(), "");
    CHECK(info.layout == CgroupInfo::Layout::v2);
    CHECK(info.dir == t.dir("sys/fs/cgroup/app"));
    CHECK(info.psi_path == t.dir("sys/fs/cgroup/app/memory.pressure"));
    info = discover_cgroup("0::/other\n", mi, t.root.string(), "");
    CHECK(info.layout == CgroupInfo::Layout::none);
    CHECK(info.why.find("memory controller") != std::string::npos);
    info = discover_cgroup("", "", t.root.string(), "");
    CHECK(info.layout == CgroupInfo::Layout::none);
    CHECK_FALSE(info.why.empty());
    // --cgroup PATH overrides, its layout told by its files.
    info = discover_cgroup("", mi, t.root.string(), t.dir("sys/fs/cgroup/app"));
    CHECK(info.layout == CgroupInfo::Layout::v2);
    CHECK(info.host_path == "/app");
    info = discover_cgroup("", mi, t.root.string(), t.dir("nothing"));
    CHECK(info.layout == CgroupInfo::Layout::none);
    CHECK(info.why.find("--cgroup") != std::string::npos);
}

TEST_CASE("placement: confined in a container or by --cgroup; the machine otherwise") {
    Tree t;
    t.put("proc/self/cgroup", "4:memory:/job\n");
    t.put("proc/self/mountinfo", kHybridMountinfo);
    t.put("sys/fs/cgroup/memory/job/memory.oom_control", "oom_kill 0\n");
    t.put("sys/fs/cgroup/memory/job/memory.limit_in_bytes", "100663296\n");
    PlacementOptions opt;
    opt.sysroot = t.root.string();
    auto p = find_placement(opt);
    CHECK(p.info.layout == CgroupInfo::Layout::v1);
    CHECK(p.info.host_path == "/job");
    // A limit alone (a systemd MemoryMax on a VM) confines nothing: the machine is watched.
    CHECK_FALSE(p.confined);
    opt.cgroup = t.dir("sys/fs/cgroup/memory/job");
    p = find_placement(opt);
    CHECK(p.confined);
    CHECK(p.confined_why == "--cgroup");
    // A container's view: its cgroup mounted as the root.
    Tree c;
    c.put("proc/self/cgroup", "4:memory:/libpod_parent/libpod-1\n");
    c.put(
        "proc/self/mountinfo",
        "35 31 0:32 /libpod_parent/libpod-1 /sys/fs/cgroup/memory ro - cgroup cgroup rw,memory\n");
    c.put("sys/fs/cgroup/memory/memory.oom_control", "oom_kill 0\n");
    PlacementOptions copt;
    copt.sysroot = c.root.string();
    p = find_placement(copt);
    CHECK(p.confined);
    CHECK(p.confined_why == "container");
    opt.cgroup = "none";
    p = find_placement(opt);
    CHECK(p.info.layout == CgroupInfo::Layout::none);
    CHECK(initial_pid_namespace("pid:[4026531836]"));
    CHECK_FALSE(initial_pid_namespace("pid:[4026532500]"));
    CHECK(initial_cgroup_namespace("cgroup:[4026531835]"));
    CHECK_FALSE(initial_cgroup_namespace("cgroup:[4026532501]"));
}

TEST_CASE("counter and limit files") {
    CHECK(flat_keyed_value("low 0\nhigh 0\nmax 4\noom 2\noom_kill 2\noom_group_kill 0\n",
                           "oom_kill") == 2);
    CHECK(flat_keyed_value("oom_kill_disable 0\nunder_oom 0\noom_kill 5\n", "oom_kill") == 5);
    CHECK_FALSE(flat_keyed_value("oom_kill_disable 0\n", "oom_kill"));
    CHECK_FALSE(flat_keyed_value("oom_kill x\n", "oom_kill"));
    CHECK(flat_keyed_value("inactive_file 4096\ntotal_inactive_file 8192\n",
                           "total_inactive_file") == 8192);
    CHECK_FALSE(parse_limit_bytes("max\n"));
    CHECK_FALSE(parse_limit_bytes("9223372036854771712\n"));
    CHECK(parse_limit_bytes("100663296\n") == 100663296);
    CHECK_FALSE(parse_limit_bytes("-1\n"));
    CHECK_FALSE(parse_bytes(""));
}

TEST_CASE("limit-relative memory: total is the limit, available nets out inactive file") {
    const MemInfo machine{24 << 20, 20 << 20, 2 << 20, 1 << 20};
    CgroupMemoryState st;
    st.limit_kb = 98304, st.usage_kb = 60000, st.inactive_file_kb = 10000;
    MemInfo out;
    REQUIRE(limit_relative_meminfo(st, machine, out));
    CHECK(out.mem_total_kb == 98304);
    CHECK(out.mem_available_kb == 98304 - 50000);
    CHECK(out.swap_total_kb == 2 << 20);  // no swap limit: the machine's swap
    st.swap_limit_kb = 0, st.swap_usage_kb = 0;
    REQUIRE(limit_relative_meminfo(st, machine, out));
    CHECK(out.swap_total_kb == 0);
    st.usage_kb = 200000;  // usage above the limit never makes available negative
    REQUIRE(limit_relative_meminfo(st, machine, out));
    CHECK(out.mem_available_kb == 0);
    st.limit_kb = 30 << 20;  // above the machine: the machine is what runs out
    CHECK_FALSE(limit_relative_meminfo(st, machine, out));
    st.limit_kb.reset();
    CHECK_FALSE(limit_relative_meminfo(st, machine, out));
}

TEST_CASE("v1 and v2 readers on fixture cgroups") {
    Tree t;
    t.put("v2/memory.max", "100663296\n");
    t.put("v2/memory.current", "52428800\n");
    t.put("v2/memory.stat", "anon 1\ninactive_file 10485760\n");
    t.put("v2/memory.swap.max", "0\n");
    t.put("v2/memory.swap.current", "0\n");
    t.put("v2/memory.events", "oom 1\noom_kill 4\n");
    CgroupInfo v2;
    v2.layout = CgroupInfo::Layout::v2, v2.dir = t.dir("v2");
    auto st = CgroupMemory(v2).read();
    CHECK(st.limit_kb == 98304);
    CHECK(st.usage_kb == 51200);
    CHECK(st.inactive_file_kb == 10240);
    CHECK(st.swap_limit_kb == 0);
    CHECK(CgroupMemory(v2).oom_kills() == 4);

    t.put("v1/memory.limit_in_bytes", "100663296\n");
    t.put("v1/memory.usage_in_bytes", "52428800\n");
    t.put("v1/memory.stat", "inactive_file 1\ntotal_inactive_file 20971520\n");
    t.put("v1/memory.memsw.limit_in_bytes", "201326592\n");
    t.put("v1/memory.memsw.usage_in_bytes", "62914560\n");
    t.put("v1/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
    CgroupInfo v1;
    v1.layout = CgroupInfo::Layout::v1, v1.dir = t.dir("v1");
    st = CgroupMemory(v1).read();
    CHECK(st.limit_kb == 98304);
    CHECK(st.inactive_file_kb == 20480);
    CHECK(st.swap_limit_kb == 98304);
    CHECK(st.swap_usage_kb == 10240);
    CHECK(CgroupMemory(v1).oom_kills() == 2);
}

TEST_CASE("victim table: vanished and zombie processes, the largest is the victim") {
    Tree t;
    t.put("cg/cgroup.procs", "10\n11\n12\n");
    t.put("proc/10/status", "Name:\tsh\nState:\tS (sleeping)\nRssAnon:\t  100 kB\n");
    t.put("proc/11/status", "Name:\thog\nState:\tR (running)\nRssAnon:\t  90000 kB\n");
    t.put("proc/12/status", "Name:\tkmsgmon\nState:\tS (sleeping)\nRssAnon:\t  800 kB\n");
    VictimTable table(t.dir("cg/cgroup.procs"), t.dir("proc"));
    CHECK(table.refresh().empty());
    CHECK(table.entries().size() == 3);
    CHECK(table.entries().at(11).anon_rss_kb == 90000);
    t.put("proc/11/status", "Name:\thog\nState:\tZ (zombie)\n");  // killed, not yet reaped
    fs::remove(t.root / "proc/10/status");
    t.put("cg/cgroup.procs", "11\n12\n");
    const auto gone = table.refresh();
    REQUIRE(gone.size() == 2);
    CHECK(VictimTable::pick(gone)->pid == 11);
    CHECK(VictimTable::pick(gone, "sh")->pid == 10);
    CHECK_FALSE(VictimTable::pick(gone, "other"));
    CHECK_FALSE(VictimTable::pick({}));
}

TEST_CASE("kill_in_cgroup: the kernel's memcg names decide, on the root every kill counts") {
    CHECK(
        kill_in_cgroup(kernel_kill(1, "a", "/libpod_parent/libpod-1"), "/libpod_parent/libpod-1"));
    CHECK(kill_in_cgroup(kernel_kill(1, "a", "/libpod_parent/libpod-1/sub"),
                         "/libpod_parent/libpod-1"));
    CHECK_FALSE(
        kill_in_cgroup(kernel_kill(1, "a", "/libpod_parent/libpod-10"), "/libpod_parent/libpod-1"));
    CHECK_FALSE(kill_in_cgroup(kernel_kill(1, "a", "/other"), "/libpod_parent/libpod-1"));
    CHECK(kill_in_cgroup(kernel_kill(1, "a", "/other"), "/"));
    OomKill old = kernel_kill(1, "a", "/x");
    old.constraint.reset();  // kernels before 4.19 name no memcg
    CHECK_FALSE(kill_in_cgroup(old, "/x"));
}

TEST_CASE("OOM watch on a v2 fixture: one event per increment, kernel reports reconciled") {
    Tree t;
    t.put("cg/memory.events", "oom 0\noom_kill 0\n");
    t.put("cg/memory.max", "100663296\n");
    t.put("cg/memory.current", "99000000\n");
    t.put("cg/cgroup.procs", "21\n22\n");
    t.put("proc/21/status", "Name:\thog\nState:\tR (running)\nRssAnon:\t  90000 kB\n");
    t.put("proc/22/status", "Name:\tkmsgmon\nState:\tS (sleeping)\nRssAnon:\t  900 kB\n");
    CgroupInfo info;
    info.layout = CgroupInfo::Layout::v2, info.dir = t.dir("cg"), info.host_path = "/app";
    std::vector<faultline::Event> events;
    EventLoop loop;
    OomWatch::Options opt;
    opt.proc_root = t.dir("proc");
    opt.own_pid_namespace = false;  // a container: the kernel's pids are not ours
    OomWatch watch(
        loop, CgroupMemory(info), opt, faultline::Source{"kmsg", "h", "kmsgmon", 1},
        [&](faultline::Event e) { events.push_back(std::move(e)); }, [](auto&&) {});
    std::string error;
    REQUIRE(watch.start(error));
    CHECK(watch.how().find("inotify") != std::string::npos);

    SECTION("the counter alone: the vanished process is the inferred victim") {
        fs::remove(t.root / "proc/21/status");
        t.put("cg/cgroup.procs", "22\n");
        t.put("cg/memory.events", "oom 1\noom_kill 1\n");  // inotify wakes the loop
        REQUIRE(run_until(loop, [&] { return !events.empty(); }));
        run_until(
            loop, [] { return false; }, 300ms);
        REQUIRE(events.size() == 1);
        const std::string& d = events[0].data;
        CHECK(d.find("\"pid\":21") != std::string::npos);
        CHECK(d.find("\"process_name\":\"hog\"") != std::string::npos);
        CHECK(d.find("\"anon_rss_kb\":90000") != std::string::npos);
        CHECK(d.find("\"detected_by\":\"cgroup\"") != std::string::npos);
        CHECK(d.find("\"victim\":\"inferred\"") != std::string::npos);
        CHECK(d.find("\"memory_limit_kb\":98304") != std::string::npos);
        CHECK(d.find("\"cgroup\":\"/app\"") != std::string::npos);
        CHECK(watch.stats().wakeups >= 1);
        check_schema(events);
    }
    SECTION("no process vanished: the victim fields are left out, never guessed") {
        t.put("cg/memory.events", "oom 1\noom_kill 1\n");
        REQUIRE(run_until(loop, [&] { return !events.empty(); }));
        CHECK(events[0].data.find("\"pid\"") == std::string::npos);
        CHECK(events[0].data.find("\"victim\"") == std::string::npos);
        CHECK(events[0].data.find("victim is not known") != std::string::npos);
        check_schema(events);
    }
    SECTION("a kernel report and its increment are one event; a neighbour's report none") {
        watch.on_kernel_kill(kernel_kill(4711, "other", "/neighbour"));
        CHECK(events.empty());
        CHECK(watch.stats().foreign_dropped == 1);
        t.put("cg/memory.events", "oom 1\noom_kill 1\n");
        watch.on_kernel_kill(kernel_kill(9999, "hog", "/app"));  // reads the counter first
        REQUIRE(events.size() == 1);
        const std::string& d = events[0].data;
        CHECK(d.find("\"pid\":21") != std::string::npos);  // translated: ours, not the kernel's
        CHECK(d.find("\"detected_by\":\"kmsg\"") != std::string::npos);
        CHECK(d.find("\"victim\":\"kernel_report\"") != std::string::npos);
        run_until(
            loop, [] { return false; }, 2000ms);  // past the grace: nothing more
        CHECK(events.size() == 1);
        // Two more kills, kmsg missed one (rate limit): the counter reports it.
        t.put("cg/memory.events", "oom 3\noom_kill 3\n");
        watch.on_kernel_kill(kernel_kill(9998, "hog", "/app"));
        run_until(
            loop, [&] { return events.size() >= 3; }, 3000ms);
        REQUIRE(events.size() == 3);
        CHECK(events[2].data.find("\"detected_by\":\"cgroup\"") != std::string::npos);
        CHECK(watch.stats().counter_only == 1);
        check_schema(events);
    }
}

TEST_CASE("inotify wakes on the real unified hierarchy: cgroup.events of an empty cgroup") {
    const std::string base = "/sys/fs/cgroup/unified";
    std::string probe;
    if (!read_small_file(base + "/cgroup.procs", probe) || ::access(base.c_str(), W_OK) != 0) {
        WARN("skipped: no writable cgroup v2 hierarchy at " + base);
        return;
    }
    const std::string cg = base + "/faultline-inotify-" + std::to_string(::getpid());
    REQUIRE(::mkdir(cg.c_str(), 0755) == 0);
    EventLoop loop;
    int wakes = 0;
    {
        FileWatch w(loop);
        std::string error;
        REQUIRE(w.start(
            cg + "/cgroup.events", [&] { ++wakes; }, error));
        CHECK_FALSE(run_until(
            loop, [&] { return wakes > 0; }, 200ms));  // idle: no wake-up
        const pid_t child = ::fork();
        if (child == 0) {
            ::pause();
            ::_exit(0);
        }
        std::ofstream(cg + "/cgroup.procs") << child << std::flush;  // enters: populated 1
        CHECK(run_until(loop, [&] { return wakes > 0; }));
        std::string events;
        read_small_file(cg + "/cgroup.events", events);
        CHECK(events.find("populated 1") != std::string::npos);
        const int before = wakes;
        ::kill(child, SIGKILL);
        ::waitpid(child, nullptr, 0);  // leaves: populated 0
        CHECK(run_until(loop, [&] { return wakes > before; }));
    }
    for (int i = 0; i < 50 && ::rmdir(cg.c_str()) != 0; ++i) ::usleep(100000);
}

TEST_CASE("memory_pressure with scope and cgroup passes the hub's schema") {
    Transition tr;
    tr.level = PressureLevel::warning;
    tr.previous = PressureLevel::ok;
    tr.reasons = {"exhaustion_imminent"};
    tr.sample.mem_total_kb = 98304, tr.sample.mem_available_kb = 1000;
    tr.sample.scope = "cgroup", tr.sample.cgroup = "/libpod_parent/libpod-1";
    const auto e = memory_pressure_event(tr, faultline::Source{"kmsg", "h", "kmsgmon", 1});
    CHECK(e.data.find("\"scope\":\"cgroup\",\"cgroup\":\"/libpod_parent/libpod-1\"") !=
          std::string::npos);
    check_schema({e});
}

TEST_CASE("pressure signal: the cgroup's PSI, else v1 pressure_level, else the host's PSI") {
    Tree t;
    t.put("sys/fs/cgroup/memory/job/memory.oom_control", "oom_kill 0\n");
    t.put("sys/fs/cgroup/memory/job/memory.pressure_level", "");
    t.put("sys/fs/cgroup/unified/job/memory.pressure", "some avg10=0.00\n");
    const std::string pc = "4:memory:/job\n0::/job\n";
    auto hybrid = discover_cgroup(pc, kHybridMountinfo, t.root.string(), "");
    CHECK(pressure_signal_for(hybrid, true) == PressureSignal::cgroup_psi);
    CHECK(pressure_signal_for(hybrid, false) == PressureSignal::host_psi);  // the machine's
    // --cgroup on the v1 directory: no PSI of its own, so the level notifications.
    auto v1 =
        discover_cgroup(pc, kHybridMountinfo, t.root.string(), t.dir("sys/fs/cgroup/memory/job"));
    CHECK(v1.psi_path.empty());
    CHECK(pressure_signal_for(v1, true) == PressureSignal::pressure_level);
    fs::remove(t.dir("sys/fs/cgroup/memory/job/memory.pressure_level"));
    CHECK(pressure_signal_for(v1, true) == PressureSignal::host_psi);
    t.put("v2/memory.events", "oom_kill 0\n");
    CgroupInfo v2;
    v2.layout = CgroupInfo::Layout::v2, v2.dir = t.dir("v2");
    CHECK(pressure_signal_for(v2, true) == PressureSignal::host_psi);
}

TEST_CASE("pressure_level: the highest level a wake-up shows; an unwritable control refuses") {
    CHECK(level_of({0, 0, 0}) == VmPressure::none);
    CHECK(level_of({1, 0, 0}) == VmPressure::low);
    CHECK(level_of({3, 2, 0}) == VmPressure::medium);
    CHECK(level_of({1, 1, 1}) == VmPressure::critical);
    CHECK(level_of({0, 0, 1}) == VmPressure::critical);
    CHECK(vm_pressure_name(VmPressure::medium) == "medium");
    CHECK(parse_vm_pressure("critical") == VmPressure::critical);
    CHECK_FALSE(parse_vm_pressure("high"));
    Tree t;
    t.put("ro/memory.pressure_level", "");
    EventLoop loop;
    PressureLevelWatch w(loop);
    std::string error;
    CHECK_FALSE(w.start(
        t.dir("ro"), [] {}, error));
    CHECK(error.find("cgroup.event_control not writable") != std::string::npos);
    CHECK(w.level(EventLoop::Clock::now()) == VmPressure::none);
}

TEST_CASE("pressure_level notifies for real: a v1 memory cgroup squeezed to its limit") {
    const std::string base = "/sys/fs/cgroup/memory";
    if (::access((base + "/cgroup.event_control").c_str(), W_OK) != 0) {
        WARN("skipped: no writable cgroup v1 memory controller at " + base);
        return;
    }
    const std::string cg = base + "/faultline-level-" + std::to_string(::getpid());
    REQUIRE(::mkdir(cg.c_str(), 0755) == 0);
    std::ofstream(cg + "/memory.limit_in_bytes") << (32 << 20) << std::flush;
    EventLoop loop;
    {
        PressureLevelWatch w(loop);
        int wakes = 0;
        std::string error;
        REQUIRE(w.start(
            cg, [&] { ++wakes; }, error));
        CHECK_FALSE(run_until(
            loop, [&] { return wakes > 0; }, 200ms));  // idle: no wake-up
        const pid_t child = ::fork();
        if (child == 0) {
            std::ofstream(cg + "/cgroup.procs") << ::getpid() << std::flush;
            for (int i = 0; i < 128; ++i) {  // 128 MiB against 32: reclaim, then the OOM killer
                char* p = static_cast<char*>(std::malloc(1 << 20));
                for (int j = 0; p && j < (1 << 20); j += 4096) p[j] = 1;
            }
            ::_exit(0);
        }
        CHECK(run_until(loop,
                        [&] { return w.level(EventLoop::Clock::now()) == VmPressure::critical; }));
        CHECK(wakes > 0);
        int status = 0;
        ::waitpid(child, &status, 0);
        CHECK(WIFSIGNALED(status));  // killed at the limit, after the critical notification
    }
    for (int i = 0; i < 50 && ::rmdir(cg.c_str()) != 0; ++i) ::usleep(100000);
}
