// The relay's events (cdp_command, cdp_disconnect) published from a thread of their own, in the
// order they were pushed and in batches. The relay's thread then only appends to a vector: it
// never waits for the hub's lock or its schema check, and a command is handed over unbuilt (its
// JSON is written here). With control captured at 1,000 commands a second the publisher wakes
// once per window, not once per command.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <variant>
#include <vector>

#include "cdp/event_sink.hpp"
#include "proxy/events.hpp"

namespace faultline::proxy {

class EventQueue {
  public:
    // Events wait at most window (from the first of a batch) before they reach sink; commands
    // are built as cdp_command events from source.
    EventQueue(cdp::EventSink sink, faultline::Source source, std::chrono::milliseconds window);
    ~EventQueue();  // stop()
    EventQueue(const EventQueue&) = delete;
    EventQueue& operator=(const EventQueue&) = delete;

    void start();
    // Thread-safe; cheap (one short lock). After stop() the event goes to sink at once.
    void push(faultline::Event e);
    void push(CommandObserved c);
    // Returns once every event pushed before the call has reached sink (in order). For a
    // capture about to change: what was observed inside it is published inside it. Must not be
    // called by a sink, or under a lock the sink takes.
    void flush();
    // Publishes what is left and joins the thread.
    void stop();

    // Sinks that push here (for the relay).
    cdp::EventSink sink() {
        return [this](faultline::Event e) { push(std::move(e)); };
    }
    CommandSink command_sink() {
        return [this](CommandObserved c) { push(std::move(c)); };
    }

  private:
    using Item = std::variant<faultline::Event, CommandObserved>;
    void enqueue(Item item);
    void run();
    void publish_pending();  // takes the queue and publishes it, under publish_mu_

    cdp::EventSink sink_;
    faultline::Source source_;
    std::chrono::milliseconds window_;
    std::mutex mu_;  // queue_, stop_
    std::condition_variable cv_;
    std::vector<Item> queue_;
    bool started_ = false, stop_ = false;
    std::mutex publish_mu_;  // one publisher at a time: a flush sees earlier batches finished
    std::thread thread_;
};

}  // namespace faultline::proxy
