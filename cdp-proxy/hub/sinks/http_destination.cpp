#include "hub/sinks/http_destination.hpp"

#include <vector>

#include "faultline/clock.hpp"

namespace faultline::hub::sinks {

Cause http_cause(int status, const std::string& why) {
    if (status == 0) {
        if (why.find("SSL") != std::string::npos) return Cause::tls;
        if (why.find("Connection") != std::string::npos && why.find("Timeout") == std::string::npos)
            return Cause::connect;
        return Cause::timeout;
    }
    if (status == 401 || status == 403) return Cause::auth;
    if (status == 404) return Cause::stream;
    if (status == 408) return Cause::timeout;
    if (status >= 500) return Cause::publish;
    return Cause::rejected;
}

HttpDestination::HttpDestination(std::unique_ptr<HttpSender> sender, size_t max_batch,
                                 std::chrono::milliseconds linger)
    : sender_(std::move(sender)), max_batch_(std::max<size_t>(1, max_batch)), linger_(linger) {
    sender_->on_failure([this](int status, const std::string& why, AfterFailure next,
                               size_t events) { attempt_failed(status, why, next, events); });
}

HttpDestination::~HttpDestination() {
    close();  // the worker uses sender_: stop it before the sender goes
}

bool HttpDestination::open(AckReceiver& rx, SinkError& err) {
    if (running_) return true;
    int status = 0;
    std::string why;
    if (!sender_->probe(status, why)) {
        err = SinkError{http_cause(status, why), why};
        return false;
    }
    rx_ = &rx;
    stop_ = false;
    running_ = true;
    worker_ = std::thread([this] { run(); });
    return true;
}

bool HttpDestination::send(const SinkEvent& ev, SinkError& err) {
    if (fatal_) {
        err = SinkError{Cause::rejected, "the destination stopped after a fatal error"};
        return false;
    }
    {
        std::lock_guard lock(mu_);
        if (held_.empty()) first_held_ = std::chrono::steady_clock::now();
        held_.push_back(HeldEvent{ev.seq, std::string(ev.type), std::string(ev.category),
                                  std::string(ev.json), std::string(ev.key), std::string(ev.host),
                                  ev.recorded_ns ? ev.recorded_ns : wall_now_ns()});
    }
    cv_.notify_all();
    return true;
}

// The sink rewinds only after a fatal error here (nothing goes out after it): drop the queue.
void HttpDestination::abandon() {
    std::lock_guard lock(mu_);
    held_.clear();
}

void HttpDestination::close() {
    stop_ = true;
    cv_.notify_all();
    if (worker_.joinable()) worker_.join();
    running_ = false;
}

void HttpDestination::attempt_failed(int status, const std::string& why, AfterFailure next,
                                     size_t events) {
    SinkError err{http_cause(status, why), why};
    if (next != AfterFailure::stop) {
        rx_->attempt_failed(std::move(err), next == AfterFailure::retry ? events : 0);
        return;
    }
    fatal_ = true;
    uint64_t oldest = 0;
    {
        std::lock_guard lock(mu_);
        if (!held_.empty()) oldest = held_.front().seq;
    }
    if (oldest) rx_->failed(oldest, std::move(err));
}

// Waits until a full batch is held or the oldest held event has lingered long enough.
bool HttpDestination::wait_for_batch(std::unique_lock<std::mutex>& lock) {
    while (!stop_) {
        if (held_.size() >= max_batch_) return true;
        if (!held_.empty() && std::chrono::steady_clock::now() - first_held_ >= linger_)
            return true;
        if (held_.empty())
            cv_.wait_for(lock, std::chrono::milliseconds(200));
        else
            cv_.wait_until(lock, first_held_ + linger_);
    }
    return false;
}

void HttpDestination::run() {
    std::vector<HeldEvent> batch;
    while (!stop_ && !fatal_) {
        {
            std::unique_lock lock(mu_);
            if (!wait_for_batch(lock)) return;
            batch.assign(held_.begin(), held_.begin() + std::min(held_.size(), max_batch_));
        }
        size_t acked = 0;
        sender_->deliver_held(batch, stop_, [&](uint64_t seq) {
            {
                std::lock_guard lock(mu_);
                while (!held_.empty() && held_.front().seq <= seq) held_.pop_front();
            }
            for (; acked < batch.size() && batch[acked].seq <= seq; ++acked)
                rx_->acked(batch[acked].seq);
        });
    }
}

}  // namespace faultline::hub::sinks
