// The benchmarks' event producer: one keep-alive connection to a hub's POST /telemetry/events,
// set up as core's publisher sets its own. post() exits the program on any non-200 answer,
// naming it: a benchmark of failing requests measures nothing.
#pragma once

#include <fmt/format.h>
#include <httplib.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace faultline::bench {

class HubPoster {
  public:
    // who: the program's name, for the message on failure.
    HubPoster(int port, const char* who) : cli_("127.0.0.1", port), who_(who) {
        cli_.set_keep_alive(true);
        cli_.set_tcp_nodelay(true);
    }
    void post(const std::string& body, const char* content_type) {
        auto res = cli_.Post("/telemetry/events", body, content_type);
        if (res && res->status == 200) return;
        fmt::print(stderr, "{}: POST /telemetry/events failed: {}\n", who_,
                   res ? res->body : httplib::to_string(res.error()));
        std::exit(1);
    }

  private:
    httplib::Client cli_;
    const char* who_;
};

}  // namespace faultline::bench
