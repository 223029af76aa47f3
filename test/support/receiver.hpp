// A small real HTTP receiver standing in for the hub in producer tests: it accepts
// POST /telemetry/events (NDJSON), validates every line with core's decoder, stores each id
// once and can go down and come back on the same port.
#pragma once

#include <httplib.h>

#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "faultline/event_decode.hpp"

namespace faultline::test {

class Receiver {
  public:
    Receiver() { start(0); }
    ~Receiver() { stop(); }

    int port() const { return port_; }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

    // Starts listening (port 0 = any free port; otherwise the same port again).
    void start(int port) {
        server_ = std::make_unique<httplib::Server>();
        server_->set_tcp_nodelay(true);  // as the hub does: answers leave at once, not after 40 ms
        server_->Post("/telemetry/events", [this](const httplib::Request& req,
                                                  httplib::Response& res) { handle(req, res); });
        port_ = port ? (server_->bind_to_port("127.0.0.1", port) ? port : -1)
                     : server_->bind_to_any_port("127.0.0.1");
        if (port_ < 0)
            throw std::runtime_error("receiver: cannot bind 127.0.0.1:" + std::to_string(port));
        thread_ = std::thread([this] { server_->listen_after_bind(); });
        while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    void stop() {
        if (!server_) return;
        server_->stop();
        thread_.join();
        server_.reset();
    }
    void restart() { start(port_); }

    std::vector<Event> events() const {
        std::lock_guard lock(mu_);
        return events_;
    }
    size_t duplicates() const {
        std::lock_guard lock(mu_);
        return duplicates_;
    }
    size_t count(std::string_view type) const {
        std::lock_guard lock(mu_);
        size_t n = 0;
        for (const auto& e : events_) n += e.type == type;
        return n;
    }
    // Waits until at least n events are stored; true if they arrived in time.
    bool wait_for(size_t n, std::chrono::milliseconds timeout) const {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            {
                std::lock_guard lock(mu_);
                if (events_.size() >= n) return true;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return false;
    }

  private:
    void handle(const httplib::Request& req, httplib::Response& res) {
        std::lock_guard lock(mu_);
        std::vector<Event> batch;
        size_t start = 0;
        while (start < req.body.size()) {
            size_t nl = req.body.find('\n', start);
            if (nl == std::string::npos) nl = req.body.size();
            std::string_view line(req.body.data() + start, nl - start);
            start = nl + 1;
            if (line.empty()) continue;
            Event e;
            DecodeError err;
            if (!decoder_.decode(line, e, err)) {
                res.status = 400;
                res.set_content(err.message, "text/plain");
                return;
            }
            batch.push_back(std::move(e));
        }
        for (auto& e : batch) {
            if (!e.id.empty() && !ids_.insert(e.id).second) {
                ++duplicates_;
                continue;
            }
            events_.push_back(std::move(e));
        }
        res.set_content("{\"accepted\":" + std::to_string(batch.size()) + "}", "application/json");
    }

    std::unique_ptr<httplib::Server> server_;
    std::thread thread_;
    int port_ = -1;
    mutable std::mutex mu_;
    EventDecoder decoder_;
    std::set<std::string> ids_;
    std::vector<Event> events_;
    size_t duplicates_ = 0;
};

}  // namespace faultline::test
