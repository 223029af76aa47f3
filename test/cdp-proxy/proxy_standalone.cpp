// The CDP proxy alone, for tests: same flags as cdp-proxy's proxy part; every event is written to
// stdout as one NDJSON line (flushed at once). SIGTERM/SIGINT stop it cleanly (connections end
// with context_cancelled, published before exit).
#include <csignal>
#include <cstdio>
#include <mutex>

#include "cdp_proxy.hpp"
#include "faultline_version.h"

int main(int argc, char** argv) {
    faultline::proxy::CdpProxyOptions options;
    faultline::FlagSet flags("proxy_standalone", "proxy_standalone [OPTIONS]",
                             "The CDP proxy without the hub; events go to stdout as NDJSON.");
    faultline::proxy::add_cdp_proxy_flags(flags, options);
    faultline::proxy::add_cdp_proxy_help(flags);
    if (int rc = flags.handle(argc, argv, FAULTLINE_VERSION); rc >= 0) return rc;

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);  // threads inherit: only sigwait sees them

    std::mutex out_mu;
    faultline::proxy::CdpProxy proxy(options, [&](faultline::Event e) {
        std::lock_guard lock(out_mu);
        std::string line = faultline::encode_event(e);
        std::fprintf(stdout, "%s\n", line.c_str());
        std::fflush(stdout);
    });
    std::string error;
    if (!proxy.start(error)) {
        std::fprintf(stderr, "proxy_standalone: %s\n", error.c_str());
        return 1;
    }
    std::fprintf(stderr, "proxy_standalone: CDP proxy listening on port %d\n", proxy.port());
    int sig = 0;
    sigwait(&set, &sig);
    proxy.stop();
    return 0;
}
