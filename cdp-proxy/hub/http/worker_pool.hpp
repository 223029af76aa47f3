// The telemetry API's worker budget: cpp-httplib hands every accepted connection to a task
// queue, and its own fixed-size pool lets a few dozen stream readers or half-open clients
// (each pins a worker until its read timeout) queue every producer behind them. This pool
// starts a thread per connection on demand, up to max_threads, so a producer's POST always
// finds a worker; past the cap connections wait in FIFO order. Threads idle for `linger`
// exit, so a burst of connections does not keep its threads.
#pragma once

#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <list>
#include <mutex>
#include <thread>
#include <vector>

namespace faultline::hub {

class WorkerPool : public httplib::TaskQueue {
  public:
    WorkerPool(size_t max_threads, std::chrono::milliseconds linger);
    ~WorkerPool() override;

    // Runs fn on an idle worker, on a new one while below the cap, else queues it.
    void enqueue(std::function<void()> fn) override;
    // Runs every queued job, then joins all workers. Idempotent.
    void shutdown() override;

    size_t threads() const;  // workers alive now

  private:
    void work(std::list<std::thread>::iterator self);
    void reap_locked(std::vector<std::thread>& out);

    const size_t max_threads_;
    const std::chrono::milliseconds linger_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::deque<std::function<void()>> jobs_;
    std::list<std::thread> workers_;
    std::vector<std::list<std::thread>::iterator> exited_;  // to join outside the lock
    size_t idle_ = 0;
    bool shutdown_ = false;
};

}  // namespace faultline::hub
