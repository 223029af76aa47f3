// The cdp-proxy binary as a child process for the hub's process tests: free loopback ports,
// start with extra flags (waits for /healthz to answer), signal, kill.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>

namespace hubtest {

// A free loopback port (bound then closed; httplib::Server would keep its socket open).
inline int free_port() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    close(fd);
    return ntohs(a.sin_port);
}

struct ProxyProcess {
    pid_t pid = -1;
    int port = 0;
    int cdp_port = 0;  // --cdp-listen
    // Starts `binary --api-listen 127.0.0.1:port --cdp-listen 127.0.0.1:<free> --data-dir dir`
    // plus extra; waits until /healthz answers (any status).
    ProxyProcess(const std::string& binary, const std::string& data_dir, int port_,
                 std::vector<std::string> extra = {})
        : port(port_), cdp_port(free_port()) {
        std::vector<std::string> args = {binary,
                                         "--api-listen",
                                         "127.0.0.1:" + std::to_string(port),
                                         "--cdp-listen",
                                         "127.0.0.1:" + std::to_string(cdp_port),
                                         "--data-dir",
                                         data_dir};
        args.insert(args.end(), extra.begin(), extra.end());
        pid = fork();
        if (pid == 0) {
            std::vector<char*> argv;
            for (auto& a : args) argv.push_back(a.data());
            argv.push_back(nullptr);
            execv(argv[0], argv.data());
            _exit(127);
        }
        httplib::Client cli("127.0.0.1", port);
        for (int i = 0; i < 500; ++i) {
            if (auto r = cli.Get("/healthz")) return;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        throw std::runtime_error("cdp-proxy did not answer /healthz");
    }
    ~ProxyProcess() {
        if (pid > 0 && waitpid(pid, nullptr, WNOHANG) == 0) {
#ifdef CATCH_VERSION_MAJOR
            // The hub checks its in-process events against the schema: none may be off it.
            CHECK(schema_violations() <= 0);
#endif
            kill(pid, SIGKILL);
            waitpid(pid, nullptr, 0);
        }
    }
    // faultline_hub_schema_violations_total from /metrics; -1 when the hub does not answer.
    long schema_violations() const {
        httplib::Client cli("127.0.0.1", port);
        cli.set_connection_timeout(1);
        cli.set_read_timeout(1);
        auto r = cli.Get("/metrics");
        if (!r || r->status != 200) return -1;
        const std::string key = "\nfaultline_hub_schema_violations_total ";
        const size_t at = r->body.find(key);
        return at == std::string::npos ? -1 : std::stol(r->body.substr(at + key.size()));
    }
    // Signals the process and returns its wait status (-1 on timeout, then it is killed).
    int signal_and_wait(int sig, std::chrono::milliseconds within) {
        kill(pid, sig);
        auto end = std::chrono::steady_clock::now() + within;
        while (std::chrono::steady_clock::now() < end) {
            int st = 0;
            if (waitpid(pid, &st, WNOHANG) == pid) return pid = -1, st;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
        pid = -1;
        return -1;
    }
};

}  // namespace hubtest
