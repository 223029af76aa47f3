#include "hub/http/listener.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "hub/http/worker_pool.hpp"

namespace faultline::hub {

void configure_listener(httplib::Server& server, const ListenerLimits& limits,
                        std::atomic<int>& listen_fd) {
    const size_t workers = limits.max_workers;
    server.new_task_queue = [workers] { return new WorkerPool(workers, std::chrono::seconds(5)); };
    server.set_socket_options([&listen_fd](socket_t fd) {
        // SO_REUSEADDR only: cpp-httplib's default sets SO_REUSEPORT, with which a second
        // cdp-proxy binds the same port without an error and takes half the connections.
        const int one = 1;
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        listen_fd = fd;
    });
    server.set_read_timeout(static_cast<time_t>(limits.read_timeout_seconds), 0);
    server.set_write_timeout(static_cast<time_t>(limits.write_timeout_seconds), 0);
}

bool raise_backlog(int listen_fd, int backlog, std::string& error) {
    if (listen_fd < 0) {
        error = "the listening socket is unknown";
        return false;
    }
    if (::listen(listen_fd, backlog) == 0) return true;
    error = std::string("listen: ") + std::strerror(errno);
    return false;
}

}  // namespace faultline::hub
