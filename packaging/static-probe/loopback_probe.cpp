// loopback-probe: proves a static build's HTTP stack works where no shared library exists.
// Serves GET /probe on ADDRESS (port chosen by the kernel), fetches it with cpp-httplib's
// client and prints "ADDRESS PORT ok". Both sides resolve ADDRESS with glibc's static
// getaddrinfo, which needs no NSS module for numeric addresses (test/packaging runs this
// in an empty chroot). Exit codes: 0 the round trip worked; 1 bind or request failed; 2 usage.
#include <httplib.h>

#include <cstdio>
#include <string>
#include <thread>

namespace {

// Returns the response body of GET http://host:port/probe, or "" (with a message) on error.
std::string fetch(const std::string& host, int port) {
    httplib::Client client(host, port);
    client.set_connection_timeout(2);
    client.set_read_timeout(2);
    auto res = client.Get("/probe");
    if (!res) {
        std::fprintf(stderr, "loopback-probe: GET failed: %s\n",
                     httplib::to_string(res.error()).c_str());
        return "";
    }
    return res->body;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fputs("usage: loopback-probe ADDRESS   (e.g. 127.0.0.1 or ::1)\n", stderr);
        return 2;
    }
    const std::string host = argv[1];
    httplib::Server server;
    server.Get("/probe", [](const httplib::Request&, httplib::Response& res) {
        res.set_content("ok", "text/plain");
    });
    const int port = server.bind_to_any_port(host);
    if (port < 0) {
        std::fprintf(stderr, "loopback-probe: cannot bind %s\n", host.c_str());
        return 1;
    }
    std::thread serving([&server] { server.listen_after_bind(); });
    const std::string body = fetch(host, port);
    server.stop();
    serving.join();
    if (body != "ok") return 1;
    std::printf("%s %d ok\n", host.c_str(), port);
    return 0;
}
