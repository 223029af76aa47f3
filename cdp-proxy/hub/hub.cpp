#include "hub/hub.hpp"

#include <unistd.h>

#include <chrono>
#include <cstring>

#include "faultline/event_decode.hpp"
#include "faultline/host_port.hpp"
#include "faultline/hostname.hpp"
#include "hub/http/ingest.hpp"
#include "hub/http/listener.hpp"
#include "hub/store/journal_line.hpp"
#include "hub/stream/query.hpp"
#include "hub/stream/reader.hpp"

namespace faultline::hub {

Hub::Hub(HubOptions opts) : opts_(std::move(opts)), dedup_(opts_.dedup_window) {
    source_.kind = "hub";
    source_.name = "cdp-proxy";
    source_.host = hostname_or(opts_.host);
    source_.pid = static_cast<int64_t>(getpid());
}

Hub::~Hub() {
    stop();
}

bool Hub::start(std::string& error) {
    if (started_.exchange(true)) {
        error = "the hub is already started";
        return false;
    }
    if (!open_journal(error) || !bind(error) || !start_sinks(error)) {
        if (journal_) journal_->close();
        return false;
    }
    sse_ = std::make_unique<SseStreams>(
        *ring_, journal_.get(), metrics_, source_,
        SseOptions{opts_.max_subscribers,
                   std::chrono::milliseconds(static_cast<int64_t>(opts_.heartbeat_seconds * 1000)),
                   3000});
    routes();
    server_thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 500 && !server_.is_running(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    return true;
}

void Hub::log(const std::string& msg) const {
    if (opts_.log) opts_.log(msg);
}

bool Hub::open_journal(std::string& error) {
    JournalRecovery rec;
    if (!opts_.data_dir.empty()) {
        JournalOptions jo;
        jo.dir = opts_.data_dir;
        jo.commit_interval = std::chrono::milliseconds(opts_.journal_commit_ms);
        jo.segment_bytes = opts_.segment_bytes;
        jo.retention_bytes = opts_.retention_bytes;
        jo.seq_block = opts_.seq_block;
        jo.max_queued_bytes = opts_.max_queued_bytes;
        jo.log = opts_.log;
        journal_ = std::make_unique<Journal>(std::move(jo));
        if (!journal_->open(opts_.ring_capacity, rec, error)) {
            error = fmt::format("journal in '{}': {}", opts_.data_dir, error);
            return false;
        }
        // The writer reserves the first block of seqs at once; wait for it (briefly) so the
        // first producers are not refused. A disk that cannot take it leaves ingest at 503.
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
        while (journal_->reserved_seq() < rec.next_seq && journal_->writable() &&
               std::chrono::steady_clock::now() < until)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    restore(rec);
    return true;
}

// Refills the ring with the journal's newest contiguous records so readers can resume from
// before the restart (only when seq continues right after them: after a crash the unused
// rest of the reserved block is skipped and readers catch up from the journal); their ids go
// back into the idempotency window either way.
void Hub::restore(const JournalRecovery& rec) {
    const auto& tail = rec.tail;
    size_t first = tail.size();
    uint64_t expect = rec.last_seq;
    while (first > 0 && journal_line_seq(tail[first - 1]) == expect) --first, --expect;
    const bool contiguous = rec.next_seq == rec.last_seq + 1;
    ring_ =
        std::make_unique<RecordRing>(opts_.ring_capacity, contiguous ? expect + 1 : rec.next_seq);
    EventDecoder decoder;
    for (size_t i = 0; i < tail.size(); ++i) {
        std::string envelope = tail[i];
        const uint64_t recorded_ns = take_recorded_ns(envelope);
        Event e;
        DecodeError err;
        const bool ok = decoder.decode(envelope, e, err);
        if (ok && !e.id.empty()) dedup_.insert(e.id, e.seq);
        if (!contiguous || i < first) continue;
        ring_->publish([&](uint64_t seq) {
            return std::make_shared<const Record>(
                Record{seq, ok ? e.type : "", e.category, std::move(envelope), recorded_ns});
        });
    }
    if (rec.last_seq || rec.next_seq > 1)
        log(fmt::format("journal holds events up to seq {} ({} of them in the ring); next seq {}",
                        rec.last_seq, contiguous ? tail.size() - first : 0, rec.next_seq));
}

bool Hub::bind(std::string& error) {
    HostPort hp;
    std::string bad;
    if (!parse_host_port(opts_.listen, hp, bad) || hp.host.empty()) {
        error = fmt::format("--api-listen '{}': {}", opts_.listen,
                            bad.empty() ? "expected HOST:PORT" : bad);
        return false;
    }
    host_ = hp.host;
    port_ = hp.port;
    const ListenerLimits limits{opts_.max_subscribers + opts_.api_workers,
                                opts_.read_timeout_seconds, opts_.write_timeout_seconds};
    configure_listener(server_, limits, listen_fd_);
    server_.set_head_timeout(std::chrono::seconds(opts_.head_timeout_seconds));
    server_.set_payload_max_length(opts_.max_body);
    server_.set_tcp_nodelay(true);  // small answers and SSE events leave at once, not after 40 ms
    server_.set_keep_alive_timeout(1);  // an idle keep-alive worker delays stop() by this much
    const bool bound = port_ == 0 ? (port_ = server_.bind_to_any_port(host_)) > 0
                                  : server_.bind_to_port(host_, port_);
    if (!bound) {
        error = fmt::format("cannot listen on {}: {}", opts_.listen, std::strerror(errno));
        return false;
    }
    std::string why;
    if (!raise_backlog(listen_fd_, limits.backlog, why))
        log(fmt::format("listen backlog stays at cpp-httplib's default: {}", why));
    return true;
}

std::string Hub::url() const {
    return "http://" + format_host_port({host_, static_cast<uint16_t>(port_)});
}

void Hub::stop() {
    if (!started_ || stopped_.exchange(true)) return;
    stopping_ = true;
    uint64_t final_seq = 0;
    if (ring_) {  // null when start() failed before the journal was restored
        std::lock_guard lock(mu_);
        end_capture_locked();
        final_seq = ring_->last_seq();
    }
    if (sse_) sse_->finish(final_seq, std::chrono::steady_clock::now() + std::chrono::seconds(2));
    server_.stop();
    if (server_thread_.joinable()) server_thread_.join();
    {
        std::lock_guard lock(mu_);
        closed_ = true;
    }
    if (journal_) journal_->close();
    stop_sinks();
    if (ring_) ring_->close();
    flush_note();  // e.g. a schema violation noted by the last session_ended
}

uint64_t Hub::last_seq() const {
    return ring_ ? ring_->last_seq() : 0;
}

}  // namespace faultline::hub
