// The /dev/kmsg part of kmsgmon inside its poll loop: reads records as they arrive, frames and
// parses them, and turns each kernel OOM kill into one system_oom_kill event.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "event_loop.hpp"
#include "faultline/cli.hpp"
#include "faultline/event.hpp"
#include "faultline/log.hpp"
#include "oom/correlator.hpp"
#include "oom/kmsg_reader.hpp"
#include "oom/record_framer.hpp"

namespace faultline::kmsgmon {

struct KmsgOptions {
    std::string path = "/dev/kmsg";
    bool from_start = false;
};

// Registers --kmsg and --from-start (with their FAULTLINE_* twins).
void add_kmsg_flags(faultline::FlagSet& flags, KmsgOptions& opt);

class KmsgMonitor {
  public:
    using Emit = std::function<void(faultline::Event)>;
    using OnEnd = std::function<void()>;
    // on_end runs once when a --kmsg file or FIFO has no more data (never for the device).
    // log gets read errors and records lost to overruns.
    KmsgMonitor(EventLoop& loop, KmsgOptions opt, faultline::Source source, Emit emit, OnEnd on_end,
                faultline::LogFn log);

    // Opens the log and watches it. Nothing is read before poll() reports it readable: a FIFO
    // without a writer yet is not at its end. Returns false with error (path and reason).
    bool start(std::string& error);

    // Hands each kill to handler instead of emitting it (inside a container, the cgroup's
    // watch decides which kills are ours and adds its fields).
    void set_kill_handler(std::function<void(const OomKill&)> handler) {
        kill_handler_ = std::move(handler);
    }
    const std::string& boot_id() const { return boot_id_; }

    struct Stats {
        uint64_t records = 0, malformed = 0, kills = 0, overruns = 0, lost = 0, too_big = 0;
    };
    const Stats& stats() const { return stats_; }

  private:
    void on_readable();
    void on_record(std::string_view raw);
    void finish();

    EventLoop& loop_;
    KmsgOptions opt_;
    faultline::Source source_;
    Emit emit_;
    OnEnd on_end_;
    faultline::LogFn log_;
    KmsgReader reader_;
    RecordFramer framer_;
    OomCorrelator correlator_;
    std::function<void(const OomKill&)> kill_handler_;
    std::string boot_id_;  // event ids, only for the device (its seqs are the kernel's)
    int watch_ = -1;
    bool after_overrun_ = false;
    uint64_t last_seq_ = 0;
    Stats stats_;
};

}  // namespace faultline::kmsgmon
