// Unit tests of the memory-pressure detector (pure: synthetic samples, exact expectations).
#include <cmath>

#include "catch.hpp"
#include "faultline/event_decode.hpp"
#include "pressure/detector.hpp"
#include "pressure/event.hpp"
#include "pressure/replay.hpp"

using namespace faultline::kmsgmon;

namespace {

constexpr int64_t GiB = 1024 * 1024;  // kB

PressureSample sample(double t, double avail_gib, double swap_free_gib, double some = 0,
                      double full = 0, double total_gib = 31, double swap_total_gib = 2) {
    PressureSample s;
    s.t = t;
    s.mem_total_kb = static_cast<int64_t>(total_gib * GiB);
    s.mem_available_kb = static_cast<int64_t>(avail_gib * GiB);
    s.swap_total_kb = static_cast<int64_t>(swap_total_gib * GiB);
    s.swap_free_kb = static_cast<int64_t>(swap_free_gib * GiB);
    s.psi_some_avg10 = some;
    s.psi_full_avg10 = full;
    return s;
}

// Feeds samples every dt seconds from t0 to t1 (exclusive) built by f(t); returns transitions.
template <class F>
std::vector<Transition> feed(PressureDetector& d, double t0, double t1, double dt, F f) {
    std::vector<Transition> out;
    for (double t = t0; t < t1; t += dt)
        if (auto tr = d.observe(f(t))) out.push_back(*tr);
    return out;
}

bool has(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

TEST_CASE("least squares slope") {
    CHECK(least_squares_slope({0, 1, 2, 3}, {10, 8, 6, 4}).value() == -2);
    CHECK_FALSE(least_squares_slope({1, 1, 1}, {1, 2, 3}));
    CHECK_FALSE(least_squares_slope({1}, {1}));
}

TEST_CASE("steady state stays ok and reports no drain") {
    PressureDetector d;
    auto trs = feed(d, 0, 3600, 5, [](double t) { return sample(t, 8, 1.5, 1, 0); });
    CHECK(trs.empty());
    CHECK(d.level() == PressureLevel::ok);
    REQUIRE(d.reading().swap_drain_kb_per_s);
    CHECK(std::abs(*d.reading().swap_drain_kb_per_s) < 1e-6);
    CHECK_FALSE(d.reading().eta_seconds);
    CHECK_FALSE(d.elevated());
}

TEST_CASE("swap drain projects exhaustion: warning then critical, with the fitted rate") {
    PressureDetector d;
    // MemAvailable at the floor; swap drains 4 MiB/s from 2 GiB: empty at t = 512.
    auto trs = feed(d, 0, 600, 1, [](double t) {
        return sample(t, 1.0, std::max(0.0, 2.0 - t * 4.0 / 1024), 1, 0);
    });
    REQUIRE(trs.size() == 2);
    CHECK(trs[0].level == PressureLevel::warning);
    CHECK(trs[0].previous == PressureLevel::ok);
    CHECK(has(trs[0].reasons, "exhaustion_projected"));
    CHECK(trs[0].sample.t <= 512 - 480);  // projected 10 min ahead, so at once (after sustain)
    REQUIRE(trs[0].reading.swap_drain_kb_per_s);
    CHECK(*trs[0].reading.swap_drain_kb_per_s == Approx(4096).epsilon(0.01));
    CHECK(trs[1].level == PressureLevel::critical);
    CHECK(has(trs[1].reasons, "exhaustion_imminent"));
    CHECK(trs[1].sample.t >= 512 - 120 - 1);
    CHECK(trs[1].sample.t <= 512 - 90);
    REQUIRE(trs[1].reading.eta_seconds);
    CHECK(*trs[1].reading.eta_seconds <= 120);
}

TEST_CASE("a fit needs 20 s of samples: no eta from two points") {
    PressureDetector d;
    d.observe(sample(0, 1.0, 2.0));
    d.observe(sample(5, 1.0, 1.0));
    CHECK_FALSE(d.reading().eta_seconds);
    CHECK_FALSE(d.reading().swap_drain_kb_per_s);
}

TEST_CASE("swap below 15 % must be sustained 30 s") {
    PressureDetector d;
    auto trs = feed(d, 0, 29, 1, [](double t) { return sample(t, 8, 0.2); });
    CHECK(trs.empty());
    trs = feed(d, 29, 40, 1, [](double t) { return sample(t, 8, 0.2); });
    REQUIRE(trs.size() == 1);
    CHECK(trs[0].level == PressureLevel::warning);
    CHECK(trs[0].reasons == std::vector<std::string>{"swap_low"});
    CHECK(trs[0].sample.t == 30);
}

TEST_CASE("no swap: swap rules are off, MemAvailable and PSI decide") {
    PressureDetector d;
    auto trs = feed(d, 0, 600, 5, [](double t) {
        auto s = sample(t, 8, 0, 0, 0, 31, 0);
        return s;
    });
    CHECK(trs.empty());
    CHECK_FALSE(d.reading().swap_drain_kb_per_s);
    // MemAvailable falls 20 MiB/s from 3 GiB; floor is 1.55 GiB: ETA ~74 s -> critical.
    trs = feed(d, 600, 800, 1, [](double t) {
        return sample(t, std::max(0.1, 3.0 - (t - 600) * 20.0 / 1024), 0, 0, 0, 31, 0);
    });
    REQUIRE(!trs.empty());
    CHECK(trs.back().level == PressureLevel::critical);
    CHECK(trs.back().sample.swap_total_kb == 0);
}

TEST_CASE("MemAvailable below the floor: flat is calm, falling warns") {
    PressureDetector d;
    // 1.2 GiB is below the 1.55 GiB floor (5 % of 31 GiB); no swap.
    auto trs = feed(d, 0, 300, 5, [](double t) { return sample(t, 1.2, 0, 0, 0, 31, 0); });
    CHECK(trs.empty());
    trs = feed(d, 300, 400, 1, [](double t) {
        return sample(t, 1.2 - (t - 300) * 0.2 / 1024, 0, 0, 0, 31, 0);  // falls 200 kB/s
    });
    REQUIRE(trs.size() == 1);
    CHECK(trs[0].level == PressureLevel::warning);
    CHECK(trs[0].reasons == std::vector<std::string>{"mem_available_low"});
    CHECK_FALSE(trs[0].reading.eta_seconds);  // no headroom above the floor left to drain
}

TEST_CASE("PSI some sustained 30 s warns; a short spike does not") {
    PressureDetector d;
    auto trs = feed(d, 0, 20, 1, [](double t) { return sample(t, 8, 2, 40, 0); });
    trs = feed(d, 20, 200, 1, [](double t) { return sample(t, 8, 2, 0, 0); });
    CHECK(trs.empty());
    CHECK(d.level() == PressureLevel::ok);
    trs = feed(d, 200, 240, 1, [](double t) { return sample(t, 8, 2, 15, 2); });
    REQUIRE(trs.size() == 1);
    CHECK(trs[0].level == PressureLevel::warning);
    CHECK(trs[0].reasons == std::vector<std::string>{"psi_some_sustained"});
    CHECK(trs[0].sample.t == 230);
}

TEST_CASE("PSI full sustained is critical") {
    PressureDetector d;
    auto trs = feed(d, 0, 40, 1, [](double t) { return sample(t, 8, 2, 50, 30); });
    REQUIRE(trs.size() == 1);  // straight to critical, with every reason that holds
    CHECK(trs[0].level == PressureLevel::critical);
    CHECK(trs[0].sample.t == 30);
    CHECK(trs[0].reasons == std::vector<std::string>{"psi_full_sustained", "psi_some_sustained"});
}

TEST_CASE("hysteresis: values hovering around the threshold never flap") {
    PressureDetector d;
    // PSI some alternating 12 % / 8 % every 10 s: 8 % is above the 7 % exit threshold.
    auto trs = feed(d, 0, 1200, 1, [](double t) {
        return sample(t, 8, 2, static_cast<int>(t / 10) % 2 ? 8 : 12, 0);
    });
    CHECK(trs.empty());  // never 30 s continuously at 10 %+
    PressureDetector e;
    trs = feed(e, 0, 1200, 1, [](double t) {
        return sample(t, 8, 2, t < 40 ? 12 : (static_cast<int>(t / 10) % 2 ? 8 : 12), 0);
    });
    REQUIRE(trs.size() == 1);  // warning once, held by the relaxed exit threshold
    CHECK(trs[0].level == PressureLevel::warning);
}

TEST_CASE("back to ok only after sustained calm and the minimum dwell") {
    PressureDetector d;
    auto trs = feed(d, 0, 35, 1, [](double t) { return sample(t, 8, 2, 20, 0); });
    REQUIRE(trs.size() == 1);
    CHECK(d.elevated());
    // Calm from t=35; a short relapse at t=100 restarts the calm clock.
    trs = feed(d, 35, 400, 1, [](double t) { return sample(t, 8, 2, t == 100 ? 9 : 0, 0); });
    REQUIRE(trs.size() == 1);
    CHECK(trs[0].level == PressureLevel::ok);
    CHECK(trs[0].previous == PressureLevel::warning);
    CHECK(trs[0].sample.t == 101 + 90);
    CHECK(trs[0].reasons == std::vector<std::string>{"sustained_calm"});
    CHECK_FALSE(d.elevated());
}

TEST_CASE("samples going back in time are ignored") {
    PressureDetector d;
    feed(d, 0, 35, 1, [](double t) { return sample(t, 8, 2, 20, 0); });
    CHECK_FALSE(d.observe(sample(1, 8, 2, 0, 0)));
    CHECK(d.level() == PressureLevel::warning);
}

TEST_CASE("memory_pressure data matches the schema") {
    PressureDetector d;
    auto trs = feed(d, 0, 600, 1, [](double t) {
        return sample(t, 1.0, std::max(0.0, 2.0 - t * 4.0 / 1024), 1, 0);
    });
    REQUIRE(!trs.empty());
    auto ev = memory_pressure_event(trs[0], {"kmsg", "vm-1", "kmsgmon", std::nullopt});
    faultline::EventDecoder dec;
    faultline::Event back;
    faultline::DecodeError err;
    INFO(faultline::encode_event(ev));
    REQUIRE(dec.decode(faultline::encode_event(ev), back, err));
    CHECK(back.type == "memory_pressure");
    CHECK(back.category == "system");
    CHECK(back.data.find("\"level\":\"warning\"") != std::string::npos);
    CHECK(back.data.find("\"previous_level\":\"ok\"") != std::string::npos);
    CHECK(back.data.find("\"eta_seconds\":") != std::string::npos);
    std::string text = alert_text(trs[0], "vm-1");
    CHECK(text.find("WARNING on vm-1") != std::string::npos);
    CHECK(text.find("draining 4.0 MiB/s") != std::string::npos);
    std::string line = replay_line(12.5, ev);
    CHECK(line.rfind("{\"t\":12.5,\"ts\":", 0) == 0);
}

TEST_CASE("v1 pressure_level in place of PSI: medium warns, critical is critical, both sustained") {
    auto level = [](double t, VmPressure l) {
        PressureSample s = sample(t, 8, 2);
        s.psi_some_avg10.reset(), s.psi_full_avg10.reset();
        s.pressure_level = l;
        return s;
    };
    PressureDetector d;
    // low is only reclaim: never an alert; a 20 s burst of medium is not sustained.
    auto trs = feed(d, 0, 100, 1, [&](double t) { return level(t, VmPressure::low); });
    trs = feed(d, 100, 120, 1, [&](double t) { return level(t, VmPressure::medium); });
    trs = feed(d, 120, 200, 1, [&](double t) { return level(t, VmPressure::none); });
    CHECK(trs.empty());
    trs = feed(d, 200, 240, 1, [&](double t) { return level(t, VmPressure::medium); });
    REQUIRE(trs.size() == 1);
    CHECK(trs[0].level == PressureLevel::warning);
    CHECK(trs[0].sample.t == 230);
    CHECK(trs[0].reasons == std::vector<std::string>{"pressure_level_medium"});
    trs = feed(d, 240, 280, 1, [&](double t) { return level(t, VmPressure::critical); });
    REQUIRE(trs.size() == 1);
    CHECK(trs[0].level == PressureLevel::critical);
    CHECK(trs[0].sample.t == 270);
    CHECK(trs[0].reasons == std::vector<std::string>{"pressure_level_critical"});
    // The event says the level and carries no PSI figure it did not have.
    const auto ev = memory_pressure_event(trs[0], {"kmsg", "vm-1", "kmsgmon", std::nullopt});
    CHECK(ev.data.find(R"("pressure_level":"critical")") != std::string::npos);
    CHECK(ev.data.find(R"("psi_some_avg10":null)") != std::string::npos);
    CHECK(ev.data.find("psi_scope") == std::string::npos);
    faultline::EventDecoder dec;
    faultline::Event back;
    faultline::DecodeError err;
    CHECK(dec.decode(faultline::encode_event(ev), back, err));
    // --psi-sustain 0 holds for the levels too: one critical notification is enough.
    PressureDetector quick(DetectorConfig{.psi_some_sustain_s = 0, .psi_full_sustain_s = 0});
    const auto tr = quick.observe(level(0, VmPressure::critical));
    REQUIRE(tr);
    CHECK(tr->level == PressureLevel::critical);
}
