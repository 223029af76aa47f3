#include "proxy/event_queue.hpp"

namespace faultline::proxy {

namespace {

faultline::Event built(std::variant<faultline::Event, CommandObserved>&& item,
                       const faultline::Source& source) {
    if (auto* c = std::get_if<CommandObserved>(&item)) return command_event(*c, source);
    return std::get<faultline::Event>(std::move(item));
}

}  // namespace

EventQueue::EventQueue(cdp::EventSink sink, faultline::Source source,
                       std::chrono::milliseconds window)
    : sink_(std::move(sink)), source_(std::move(source)), window_(window) {}

EventQueue::~EventQueue() {
    stop();
}

void EventQueue::start() {
    std::lock_guard lock(mu_);
    if (started_ || stop_) return;
    started_ = true;
    thread_ = std::thread([this] { run(); });
}

void EventQueue::push(faultline::Event e) {
    enqueue(std::move(e));
}

void EventQueue::push(CommandObserved c) {
    enqueue(std::move(c));
}

void EventQueue::enqueue(Item item) {
    {
        std::lock_guard lock(mu_);
        if (started_ && !stop_) {
            queue_.push_back(std::move(item));
            // Only the first of a batch wakes the publisher (no futex call per event).
            if (queue_.size() == 1) cv_.notify_one();
            return;
        }
    }
    std::lock_guard publishing(publish_mu_);  // not running: published in the caller's thread
    if (sink_) sink_(built(std::move(item), source_));
}

void EventQueue::run() {
    std::unique_lock lock(mu_);
    while (true) {
        cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
        if (stop_) break;
        // Gather the window's events; stop cuts the wait short.
        cv_.wait_for(lock, window_, [&] { return stop_; });
        lock.unlock();
        publish_pending();
        lock.lock();
    }
}

void EventQueue::publish_pending() {
    std::lock_guard publishing(publish_mu_);
    std::vector<Item> batch;
    {
        std::lock_guard lock(mu_);
        batch.swap(queue_);
    }
    if (!sink_) return;
    for (auto& item : batch) sink_(built(std::move(item), source_));
}

void EventQueue::flush() {
    publish_pending();
}

void EventQueue::stop() {
    {
        std::lock_guard lock(mu_);
        if (stop_) return;
        stop_ = true;
    }
    cv_.notify_one();
    if (thread_.joinable()) thread_.join();
    publish_pending();
}

}  // namespace faultline::proxy
