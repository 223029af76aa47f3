#include "hub/sinks/nats/jetstream.hpp"

#include <fmt/format.h>
#include <charconv>
#include <cstring>

#include "hub/sinks/nats/connect.hpp"
#include "hub/sinks/nats/stream_setup.hpp"
#include "hub/sinks/nats/subject.hpp"

namespace faultline::hub::sinks::nats {

namespace {
constexpr const char* kSeqHeader = "Faultline-Seq";

uint64_t seq_of(natsMsg* msg) {
    const char* v = nullptr;
    if (natsMsgHeader_Get(msg, kSeqHeader, &v) != NATS_OK || !v) return 0;
    uint64_t seq = 0;
    std::from_chars(v, v + std::strlen(v), seq);
    return seq;
}

SinkError error_of(const jsPubAckErr& pae) {
    if (pae.Err == NATS_TIMEOUT) return {Cause::timeout, "no PubAck in time"};
    if (pae.Err == NATS_NO_RESPONDERS)
        return {Cause::no_responders, "no JetStream server answered (stream leader lost?)"};
    if (pae.ErrCode != 0)
        return {Cause::rejected,
                fmt::format("JetStream refused the event: {} (error {})",
                            pae.ErrText ? pae.ErrText : "", static_cast<int>(pae.ErrCode))};
    return {Cause::publish, pae.ErrText ? pae.ErrText : natsStatus_GetText(pae.Err)};
}
}  // namespace

JetStreamDestination::JetStreamDestination(NatsOptions o, std::string host, size_t max_in_flight,
                                           LogFn log)
    : o_(std::move(o)),
      host_(std::move(host)),
      max_in_flight_(max_in_flight),
      log_(log ? std::move(log) : null_log()) {}

JetStreamDestination::~JetStreamDestination() {
    close();
}

bool JetStreamDestination::connect(SinkError& err) {
    closing_ = false;
    {
        std::lock_guard lock(closed_mu_);
        closed_ = false;
    }
    nc_ = nats::connect(o_, "faultline cdp-proxy " + host_,
                        {&on_disconnected, &on_reconnected, &on_closed, this}, err);
    if (!nc_) return false;
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.Wait = static_cast<int64_t>(o_.ack_timeout_ms);
    // Headroom over the sink's own bound, so a send right after an ack never stalls here.
    jo.PublishAsync.MaxPending = static_cast<int64_t>(max_in_flight_) * 2;
    jo.PublishAsync.AckHandler = &on_ack;
    jo.PublishAsync.AckHandlerClosure = this;
    if (natsStatus s = natsConnection_JetStream(&js_, nc_, &jo); s != NATS_OK) {
        err = {Cause::connect, fmt::format("no JetStream context: {}", nats_error_text(s))};
        close_connection();
        natsConnection_Destroy(nc_);
        nc_ = nullptr;
        return false;
    }
    return true;
}

bool JetStreamDestination::open(AckReceiver& rx, SinkError& err) {
    rx_ = &rx;
    if (!nc_ && !connect(err)) return false;
    bool created = false;
    if (!stream_ok_) {
        if (!ensure_stream(js_, o_, host_, created, err)) return false;
        stream_ok_ = true;
        if (created) log_(fmt::format("created stream {} for {}.>", o_.stream, o_.subject));
    }
    ready_ = natsConnection_Status(nc_) == NATS_CONN_STATUS_CONNECTED;
    return true;
}

bool JetStreamDestination::send(const SinkEvent& ev, SinkError& err) {
    // After a reconnect the server may be a fresh one (its store lost): check the stream again
    // (and create it) before the first publish, or every publish would find no stream.
    if (recheck_.exchange(false)) {
        bool created = false;
        if (!ensure_stream(js_, o_, host_, created, err)) {
            recheck_ = true;
            return false;
        }
        if (created) log_(fmt::format("stream {} was gone; created it again", o_.stream));
    }
    natsMsg* msg = nullptr;
    natsStatus s = natsMsg_Create(&msg, subject(ev).c_str(), nullptr, ev.json.data(),
                                  static_cast<int>(ev.json.size()));
    key_.assign(ev.key);  // nats.c wants C strings; these buffers are reused
    char seq[24] = {};
    std::to_chars(seq, seq + sizeof seq - 1, ev.seq);
    if (s == NATS_OK) s = natsMsgHeader_Set(msg, "Nats-Msg-Id", key_.c_str());
    if (s == NATS_OK) s = natsMsgHeader_Set(msg, kSeqHeader, seq);
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MaxWait = static_cast<int64_t>(o_.ack_timeout_ms);  // then the ack handler gets a timeout
    po.ExpectStream = o_.stream.c_str();
    if (s == NATS_OK) s = js_PublishMsgAsync(js_, &msg, &po);
    natsMsg_Destroy(msg);  // no-op once the library owns it
    if (s == NATS_OK) return true;
    err = {cause_of(s) == Cause::connect ? Cause::publish : cause_of(s),
           fmt::format("publish of seq {} failed: {}", ev.seq, nats_error_text(s))};
    return false;
}

// The subject of an event, built once per type (the host is the hub's, the category the
// type's).
const std::string& JetStreamDestination::subject(const SinkEvent& ev) {
    auto it = subjects_.find(ev.type);
    if (it == subjects_.end())
        it = subjects_
                 .emplace(std::string(ev.type),
                          event_subject(o_.subject, ev.host, ev.category, ev.type))
                 .first;
    return it->second;
}

// nats.c keeps each async publish until its ack or MaxWait; an entry that neither resolves
// (seen around a failover) would hold one of MaxPending's slots for good.
void JetStreamDestination::abandon() {
    if (!js_) return;
    natsMsgList pending{};
    if (js_PublishAsyncGetPendingList(&pending, js_) == NATS_OK) natsMsgList_Destroy(&pending);
}

void JetStreamDestination::close() {
    ready_ = false;
    if (js_) {
        jsPubOptions po;
        jsPubOptions_Init(&po);
        po.MaxWait = 500;
        js_PublishAsyncComplete(js_, &po);  // acks still on the way reach the sink
    }
    closing_ = true;
    if (nc_) close_connection();
    if (js_) jsCtx_Destroy(js_);
    if (nc_) natsConnection_Destroy(nc_);
    js_ = nullptr;
    nc_ = nullptr;
}

// Closes nc_ and waits (up to 5 s) for nats.c's last callback: the ones still to come
// (disconnected, then closed) run on nats.c's own thread and point at this object.
void JetStreamDestination::close_connection() {
    natsConnection_Close(nc_);
    std::unique_lock lock(closed_mu_);
    closed_cv_.wait_for(lock, std::chrono::seconds(5), [&] { return closed_; });
}

void JetStreamDestination::on_ack(jsCtx*, natsMsg* msg, jsPubAck* pa, jsPubAckErr* pae,
                                  void* self) {
    auto* d = static_cast<JetStreamDestination*>(self);
    const uint64_t seq = seq_of(msg);
    if (d->rx_ && seq) {
        if (pa)
            d->rx_->acked(seq);
        else if (pae)
            d->rx_->failed(seq, error_of(*pae));
    }
    natsMsg_Destroy(msg);
}

void JetStreamDestination::on_disconnected(natsConnection*, void* self) {
    auto* d = static_cast<JetStreamDestination*>(self);
    d->ready_ = false;
    if (d->rx_ && !d->closing_)
        d->rx_->connection(false, "disconnected from the NATS server; reconnecting");
}

void JetStreamDestination::on_closed(natsConnection*, void* self) {
    auto* d = static_cast<JetStreamDestination*>(self);
    std::lock_guard lock(d->closed_mu_);  // notified under the lock: once close() sees
    d->closed_ = true;                    // closed_, nothing here touches d again
    d->closed_cv_.notify_all();
}

void JetStreamDestination::on_reconnected(natsConnection* nc, void* self) {
    auto* d = static_cast<JetStreamDestination*>(self);
    char url[256] = {};
    natsConnection_GetConnectedUrl(nc, url, sizeof url);
    d->recheck_ = true;
    d->ready_ = true;
    if (d->rx_) d->rx_->connection(true, url);
}

}  // namespace faultline::hub::sinks::nats
