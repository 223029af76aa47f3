// The telemetry API listener under load: a worker budget (a thread per connection on demand,
// so producers are served while stream readers and slow or half-open clients hold theirs), a
// read timeout that frees a worker whose client stops sending (the request head's own deadline
// is ApiServer's, hub/http/api_server), and a listen backlog
// wider than the 5 cpp-httplib's Debian build has compiled in.
#pragma once

#include <httplib.h>

#include <atomic>
#include <cstdint>
#include <string>

namespace faultline::hub {

struct ListenerLimits {
    uint64_t max_workers = 576;         // connections served at once; the rest wait in order
    uint64_t read_timeout_seconds = 3;  // a client silent this long mid-request is dropped
    uint64_t write_timeout_seconds = 3;
    int backlog = 1024;
};

// Applies the limits to a server that is not bound yet; the listening socket's fd is stored in
// listen_fd when the server creates it (so raise_backlog can widen it after binding).
void configure_listener(httplib::Server& server, const ListenerLimits& limits,
                        std::atomic<int>& listen_fd);

// Re-listens on the bound socket with the given backlog (Linux widens it in place). Returns
// false with error when the fd is unknown or listen(2) fails.
bool raise_backlog(int listen_fd, int backlog, std::string& error);

}  // namespace faultline::hub
