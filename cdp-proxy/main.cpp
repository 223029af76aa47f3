// cdp-proxy: the Chrome DevTools Protocol proxy and the faultline telemetry hub.
#include <poll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <string>

#include "faultline/hostname.hpp"
#include "faultline/log.hpp"
#include "faultline/signal_fd.hpp"
#include "faultline_version.h"
#include "hub/flags.hpp"
#include "hub/hub.hpp"
#include "hub/sinks/flags.hpp"
#include "hub/sinks/nats/flags.hpp"
#include "hub/sinks/otlp/flags.hpp"
#include "hub/sinks/s2/flags.hpp"
#include "monitor/flags.hpp"
#include "monitor/monitor.hpp"
#include "proxy/cdp_proxy.hpp"
#include "proxy/open_door.hpp"

namespace {

// Blocks until one of the signals stop_fd reports arrives and returns it.
int wait_for_signal(int stop_fd) {
    pollfd p{stop_fd, POLLIN, 0};
    signalfd_siginfo si{};
    while (true) {
        if (::poll(&p, 1, -1) < 0 && errno != EINTR) return SIGTERM;  // cannot wait: stop
        if (::read(stop_fd, &si, sizeof si) == sizeof si) return static_cast<int>(si.ssi_signo);
    }
}

}  // namespace

int main(int argc, char** argv) {
    faultline::hub::HubOptions hub_opts;
    faultline::FlagSet flags(
        "cdp-proxy", "cdp-proxy [OPTIONS]",
        "The Chrome DevTools Protocol proxy and the faultline telemetry hub: one ordered, "
        "durable event stream of the VM's failures (OOM kills, crashed services, CDP "
        "disconnects, memory pressure).");
    faultline::hub::add_hub_flags(flags, hub_opts);
    faultline::hub::sinks::nats::NatsOptions nats_opts;
    faultline::hub::sinks::nats::add_nats_flags(flags, nats_opts);
    faultline::hub::sinks::s2::S2FlagValues s2_values;
    faultline::hub::sinks::s2::add_s2_flags(flags, s2_values);
    faultline::hub::sinks::otlp::OtlpFlagValues otlp_values;
    faultline::hub::sinks::otlp::add_otlp_flags(flags, otlp_values);
    faultline::proxy::CdpProxyOptions proxy_opts;
    faultline::proxy::add_cdp_proxy_flags(flags, proxy_opts, /*with_token=*/false);
    bool allow_unauthenticated = false;
    flags.add_bool("allow-unauthenticated", &allow_unauthenticated,
                   "start without --token although --cdp-listen or --api-listen is not loopback "
                   "(only behind a platform that authenticates in front of this machine; "
                   "otherwise that start exits 2)");
    faultline::proxy::add_cdp_proxy_help(flags);
    faultline::monitor::MonitorOptions monitor_opts;
    faultline::monitor::MonitorFlags monitor_flags;
    faultline::monitor::add_monitor_flags(flags, monitor_opts, monitor_flags);
    faultline::monitor::add_monitor_help(flags);
    faultline::hub::add_hub_help(flags);
    faultline::hub::sinks::add_sinks_help(flags);
    flags.add_section(
        "SIGNALS",
        "  SIGTERM, SIGINT  stop accepting, end every CDP connection (cdp_disconnect\n"
        "                   context_cancelled), end an active capture (session_ended),\n"
        "                   deliver it to readers, flush the journal, exit 0");
    flags.add_section("EXIT STATUS", "  0 after a signal, 1 when it cannot start, 2 on bad flags");
    if (int rc = flags.handle(argc, argv, FAULTLINE_VERSION); rc >= 0) return rc;
    const faultline::LogFn log = faultline::stderr_log("cdp-proxy");  // main's own lines
    std::string error;
    if (!faultline::monitor::finish_monitor_flags(monitor_opts, monitor_flags, error)) {
        log(error);
        return 2;
    }

    // Before any thread starts, so every thread inherits the mask and SIGTERM/SIGINT reach
    // stop_fd only; SIGPIPE is ignored (a client gone mid-write is an EPIPE, not an exit).
    std::signal(SIGPIPE, SIG_IGN);
    const faultline::UniqueFd stop_fd = faultline::block_signals_to_fd({SIGTERM, SIGINT}, error);
    if (!stop_fd) {
        log(error);
        return 1;
    }
    // One source.host for every event of this process: the hub's, the proxy's, the monitor's.
    hub_opts.host = proxy_opts.host = monitor_opts.host = faultline::hostname_or(hub_opts.host);
    hub_opts.log = faultline::stderr_log("cdp-proxy: hub");
    hub_opts.cdp_unauthenticated = hub_opts.token.empty();  // /healthz and /metrics say so
    faultline::hub::Hub hub(hub_opts);
    if (!nats_opts.servers.empty() &&
        !faultline::hub::sinks::nats::add_nats_sink(hub, nats_opts, error)) {
        log(error);
        return 2;
    }
    if (!faultline::hub::sinks::s2::add_s2_sink(hub, s2_values, error) ||
        !faultline::hub::sinks::otlp::add_otlp_sink(hub, otlp_values, FAULTLINE_VERSION, error)) {
        log(error);
        return 2;
    }
    // No open door: a listener reachable from other machines needs --token or the opt-out.
    if (std::string refusal = faultline::proxy::open_door_refusal(
            proxy_opts.listen, hub_opts.listen, hub_opts.token, allow_unauthenticated);
        !refusal.empty()) {
        log(refusal);
        return 2;
    }
    if (std::string warning = faultline::proxy::open_door_warning(
            proxy_opts.listen, hub_opts.listen, hub_opts.token, allow_unauthenticated);
        !warning.empty())
        log(warning);
    if (!hub.start(error)) {
        log(error);
        return 1;
    }
    log("telemetry hub on " + hub.url() + " (stream " + hub.url() + "/telemetry/stream)");
    // The proxy's cdp_connect/cdp_disconnect go straight into the hub's ring; --token is shared.
    proxy_opts.token = hub_opts.token;
    faultline::proxy::CdpProxy proxy(
        proxy_opts, [&hub](faultline::Event e) { hub.publish(std::move(e)); }, log);
    if (!proxy.start(error)) {
        log(error);
        hub.stop();
        return 1;
    }
    // The monitor follows the proxy's discovery and attaches while a capture asks for it.
    monitor_opts.log = faultline::stderr_log("cdp-proxy: monitor");
    faultline::monitor::Monitor monitor(monitor_opts, proxy.discovery(),
                                        [&hub](faultline::Event e) { hub.publish(std::move(e)); });
    if (monitor_opts.enabled && !monitor.start(error)) {
        log(error);
        proxy.stop();
        hub.stop();
        return 1;
    }
    // What a capture records reaches the monitor (browser categories) and the proxy's relay
    // (control: cdp_command, minus control.cdp.excluded_methods).
    hub.watch_control([&proxy](const std::vector<std::string>& excluded) {
        proxy.set_excluded_methods(excluded);
    });
    // The relay publishes from a queue: drained before a capture changes, so that the
    // commands answered inside a capture are recorded inside it.
    hub.before_capture_change([&proxy] { proxy.flush_events(); });
    hub.watch_capture([&monitor, &proxy, monitor_on = monitor_opts.enabled](
                          const std::vector<std::string>& categories) {
        if (monitor_on) monitor.set_categories(categories);
        proxy.set_control(std::find(categories.begin(), categories.end(), "control") !=
                          categories.end());
    });
    log("CDP proxy listening on port " + std::to_string(proxy.port()));
    const int sig = wait_for_signal(stop_fd.get());
    log(std::string(sig == SIGTERM ? "SIGTERM" : "SIGINT") + ", stopping");
    hub.watch_capture({});
    hub.watch_control({});
    hub.before_capture_change({});
    monitor.stop();  // held page crashes are published first
    proxy.stop();    // relays end with context_cancelled, published before the hub stops
    hub.stop();
    return 0;
}
