// Helpers for the hub tests: an in-process Hub on an ephemeral port, event builders, and an
// SSE collector over real HTTP.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "faultline/event.hpp"
#include "faultline/log.hpp"
#include "faultline/sse.hpp"
#include "hub/hub.hpp"

namespace hubtest {

inline std::string temp_dir() {
    std::random_device rd;
    auto p = std::filesystem::temp_directory_path() / ("faultline-hub-" + std::to_string(rd()));
    std::filesystem::create_directories(p);
    return p.string();
}

// A valid service_crashed line for ingest, with an id.
inline std::string crash_json(const std::string& id, const std::string& name = "svc") {
    return R"({"type":"service_crashed","source":{"kind":"test"},"id":")" + id +
           R"(","data":{"service_name":")" + name + R"(","group_name":")" + name +
           R"(","from_state":"RUNNING","pid":7,"expected":false,"fatal":false}})";
}

inline faultline::Event cdp_event(int n) {
    return faultline::make_event("cdp_connect",
                                 faultline::JsonObject()
                                     .add("connection_id", "c" + std::to_string(n))
                                     .add("client_addr", "127.0.0.1:1")
                                     .add("path", "/devtools/browser/x")
                                     .add("target", "browser")
                                     .finish(),
                                 faultline::Source{"test", "", "", std::nullopt});
}

struct TestHub {
    explicit TestHub(faultline::hub::HubOptions o = {}) : hub(with_defaults(std::move(o))) {
        std::string err;
        if (!hub.start(err)) throw std::runtime_error(err);
    }
    static faultline::hub::HubOptions with_defaults(faultline::hub::HubOptions o) {
        o.listen = "127.0.0.1:0";
        return o;
    }
    httplib::Client client() const { return httplib::Client("127.0.0.1", hub.port()); }
    faultline::hub::Hub hub;
};

// Reads an SSE stream on its own thread and keeps every event.
class SseCollector {
  public:
    SseCollector(int port, std::string path, httplib::Headers headers = {})
        : thread_([this, port, path, headers] { run(port, path, headers); }) {}
    ~SseCollector() {
        stop_ = true;
        thread_.join();
    }
    std::vector<faultline::SseEvent> events() {
        std::lock_guard lock(mu_);
        return events_;
    }
    // Waits until pred(events) holds; false after timeout.
    template <class Pred>
    bool wait(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
        auto end = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < end) {
            if (auto ev = events(); pred(ev)) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        auto ev = events();
        return pred(ev);
    }
    int status() const { return status_; }
    httplib::Headers headers() {
        std::lock_guard lock(mu_);
        return headers_;
    }
    std::atomic<bool> hold{false};  // while true, the reader stops reading (a stalled reader)
    std::string raw() {
        std::lock_guard lock(mu_);
        return raw_;
    }

  private:
    void run(int port, const std::string& path, const httplib::Headers& headers) {
        httplib::Client cli("127.0.0.1", port);
        cli.set_read_timeout(120, 0);
        faultline::SseParser parser([this](const faultline::SseEvent& e) {
            std::lock_guard lock(mu_);
            events_.push_back(e);
        });
        cli.Get(
            path, headers,
            [this](const httplib::Response& r) {
                std::lock_guard lock(mu_);
                status_ = r.status;
                headers_ = r.headers;
                return true;
            },
            [&](const char* d, size_t n) {
                while (hold && !stop_) std::this_thread::sleep_for(std::chrono::milliseconds(5));
                {
                    std::lock_guard lock(mu_);
                    raw_.append(d, n);
                }
                parser.feed(std::string_view(d, n));
                return !stop_.load();
            });
    }

    std::mutex mu_;
    std::vector<faultline::SseEvent> events_;
    httplib::Headers headers_;
    std::string raw_;
    std::atomic<int> status_{0};
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

// A LogFn that keeps every line (the hub and its sinks log from their threads), for tests
// that count or wait for what was logged.
struct RecordingLog {
    std::mutex mu;
    std::vector<std::string> lines;
    faultline::LogFn fn() {
        return [this](std::string_view line) {
            std::lock_guard lock(mu);
            lines.emplace_back(line);
        };
    }
    size_t count(std::string_view part) {
        std::lock_guard lock(mu);
        size_t n = 0;
        for (const auto& l : lines) n += l.find(part) != std::string::npos;
        return n;
    }
    bool wait_for(std::string_view part, std::chrono::seconds timeout) {
        const auto end = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < end) {
            if (count(part) > 0) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return false;
    }
};

}  // namespace hubtest
