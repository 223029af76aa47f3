#include "oom/kmsg_monitor.hpp"

#include <fmt/format.h>

#include "oom/event.hpp"
#include "oom/kmsg_record.hpp"

namespace faultline::kmsgmon {

void add_kmsg_flags(faultline::FlagSet& flags, KmsgOptions& opt) {
    flags.add_string("kmsg", &opt.path,
                     "read kernel log records from PATH: /dev/kmsg, or a file or FIFO holding "
                     "records in its format (kmsgmon exits when a file or FIFO ends)",
                     "PATH");
    flags.add_bool("from-start", &opt.from_start,
                   "report what the kernel log buffer still holds, not only new records");
}

KmsgMonitor::KmsgMonitor(EventLoop& loop, KmsgOptions opt, faultline::Source source, Emit emit,
                         OnEnd on_end, faultline::LogFn log)
    : loop_(loop),
      opt_(std::move(opt)),
      source_(std::move(source)),
      emit_(std::move(emit)),
      on_end_(std::move(on_end)),
      log_(std::move(log)) {}

bool KmsgMonitor::start(std::string& error) {
    if (!reader_.open(opt_.path, opt_.from_start, error)) return false;
    if (reader_.is_device()) boot_id_ = read_boot_id();
    watch_ = loop_.watch(reader_.fd(), POLLIN, [this](short) { on_readable(); });
    return true;
}

void KmsgMonitor::on_readable() {
    const auto sink = [this](std::string_view rec) { on_record(rec); };
    std::string_view chunk;
    std::string error;
    while (true) {
        switch (reader_.read(chunk, error)) {
            case KmsgReader::Status::data:
                framer_.feed(chunk, sink);
                if (reader_.is_device()) framer_.flush(sink);  // one record per read
                continue;
            case KmsgReader::Status::overrun:
                ++stats_.overruns;
                after_overrun_ = true;
                continue;
            case KmsgReader::Status::too_big:
                ++stats_.too_big;
                log_(fmt::format("skipped a kernel log record over {} bytes",
                                 KmsgReader::kBufferBytes));
                continue;
            case KmsgReader::Status::would_block:
                if (!reader_.is_device()) framer_.flush(sink);
                return;
            case KmsgReader::Status::end:
                return finish();
            case KmsgReader::Status::failed:
                log_(error);
                return finish();
        }
    }
}

void KmsgMonitor::finish() {
    framer_.finish([this](std::string_view rec) { on_record(rec); });
    loop_.unwatch(watch_);
    if (on_end_) on_end_();
}

void KmsgMonitor::on_record(std::string_view raw) {
    KmsgRecord record;
    std::string why;
    if (!parse_kmsg_record(raw, record, why)) {
        ++stats_.malformed;
        return;
    }
    ++stats_.records;
    // EPIPE says records were overwritten; the sequence gap says how many.
    if (after_overrun_ && record.seq > last_seq_ + 1 && last_seq_ != 0) {
        const uint64_t lost = record.seq - last_seq_ - 1;
        stats_.lost += lost;
        log_(fmt::format("{} kernel log records were overwritten before they were read", lost));
    }
    after_overrun_ = false;
    last_seq_ = record.seq;
    if (auto kill = correlator_.feed(record)) {
        ++stats_.kills;
        if (kill_handler_) return kill_handler_(*kill);
        emit_(system_oom_kill_event(*kill, source_, boot_id_));
    }
}

}  // namespace faultline::kmsgmon
