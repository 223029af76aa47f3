#include "hub/http/worker_pool.hpp"

namespace faultline::hub {

WorkerPool::WorkerPool(size_t max_threads, std::chrono::milliseconds linger)
    : max_threads_(max_threads ? max_threads : 1), linger_(linger) {}

WorkerPool::~WorkerPool() {
    shutdown();
}

void WorkerPool::enqueue(std::function<void()> fn) {
    std::vector<std::thread> finished;
    {
        std::unique_lock lock(mu_);
        if (shutdown_) {  // cpp-httplib never does this; run it rather than leak its socket
            lock.unlock();
            fn();
            return;
        }
        reap_locked(finished);
        jobs_.push_back(std::move(fn));
        if (idle_ >= jobs_.size() || workers_.size() >= max_threads_) {
            cv_.notify_one();
        } else {
            workers_.emplace_back();
            auto self = std::prev(workers_.end());
            *self = std::thread([this, self] { work(self); });
        }
    }
    for (auto& t : finished) t.join();
}

void WorkerPool::work(std::list<std::thread>::iterator self) {
    std::unique_lock lock(mu_);
    for (;;) {
        ++idle_;
        cv_.wait_for(lock, linger_, [&] { return shutdown_ || !jobs_.empty(); });
        --idle_;
        if (jobs_.empty()) break;  // lingered long enough, or shut down with nothing queued
        std::function<void()> job = std::move(jobs_.front());
        jobs_.pop_front();
        lock.unlock();
        job();
        lock.lock();
    }
    if (!shutdown_) exited_.push_back(self);  // shutdown() joins it and owns the list
}

// Moves the threads of exited workers into out, so the caller joins them unlocked.
void WorkerPool::reap_locked(std::vector<std::thread>& out) {
    for (auto it : exited_) {
        out.push_back(std::move(*it));
        workers_.erase(it);
    }
    exited_.clear();
}

void WorkerPool::shutdown() {
    std::vector<std::thread> all;
    {
        std::lock_guard lock(mu_);
        shutdown_ = true;
        cv_.notify_all();
        for (auto& t : workers_) all.push_back(std::move(t));
        workers_.clear();
        exited_.clear();
    }
    for (auto& t : all)
        if (t.joinable()) t.join();
}

size_t WorkerPool::threads() const {
    std::lock_guard lock(mu_);
    return workers_.size() - exited_.size();
}

}  // namespace faultline::hub
