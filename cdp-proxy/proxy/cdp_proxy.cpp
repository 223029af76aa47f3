#include "proxy/cdp_proxy.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>

#include "cdp/socket_io.hpp"
#include "proxy/auth.hpp"
#include "proxy/json_endpoints.hpp"

namespace faultline::proxy {

namespace {

constexpr size_t kMaxHandshakes = 256;  // connections still in their HTTP phase
constexpr auto kHeadTimeout = std::chrono::seconds(10);
constexpr auto kRetryPause = std::chrono::milliseconds(250);
constexpr size_t kMaxErrorBody = 1024 * 1024;
constexpr auto kRelayEventWindow = std::chrono::milliseconds(10);  // see EventQueue

std::chrono::milliseconds seconds_to_ms(double s) {
    return std::chrono::milliseconds(static_cast<int64_t>(std::llround(s * 1000)));
}

// The public endpoint the client used, for rewriting DevTools URLs in /json answers.
std::optional<PublicEndpoint> public_endpoint(int fd, const cdp::HttpRequest& req,
                                              const std::string& token) {
    PublicEndpoint ep;
    const std::string* host = req.header("Host");
    ep.host = host ? *host : cdp::local_address(fd);
    if (!is_valid_host_header(ep.host)) return std::nullopt;
    const std::string* proto = req.header("X-Forwarded-Proto");
    ep.secure = proto && cdp::iequals(*proto, "https");
    // A client that authenticated with ?token= gets it back in the WebSocket URL (Puppeteer's
    // browserURL and Playwright's connectOverCDP send no headers on that socket).
    if (presented_token(req, token) == TokenSource::query)
        ep.ws_query = "token=" + *cdp::token_param(req.query);
    return ep;
}

// Reads the rest of a non-101 answer (Content-Length bytes, capped) so it can be passed on.
std::string read_body(int fd, const cdp::HttpResponseHead& head, std::string have,
                      cdp::Clock::time_point deadline) {
    size_t want = 0;
    if (const std::string* cl = head.header("Content-Length")) {
        std::from_chars(cl->data(), cl->data() + cl->size(), want);
    }
    want = std::min(want, kMaxErrorBody);
    char buf[4096];
    while (have.size() < want) {
        if (cdp::wait_fd(fd, POLLIN, deadline, -1) != 1) break;
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        have.append(buf, static_cast<size_t>(n));
    }
    have.resize(std::min(have.size(), want));
    return have;
}

}  // namespace

void add_cdp_proxy_flags(faultline::FlagSet& flags, CdpProxyOptions& o, bool with_token) {
    flags.add_string("cdp-listen", &o.listen,
                     "address:port for CDP clients (the DevTools /json endpoints and WebSockets)",
                     "HOST:PORT");
    flags.add_string("upstream", &o.upstream,
                     "Chromium's own DevTools address; /json/version is asked for its WebSocket "
                     "URL at start and after every failure (ignored with --chromium-log)",
                     "HOST:PORT");
    flags.add_string("chromium-log", &o.chromium_log,
                     "follow this Chromium log (like tail -F) and take the upstream URL from its "
                     "'DevTools listening on ws://...' lines",
                     "FILE");
    if (with_token)
        flags.add_string("token", &o.token,
                         "when set, /json/* and WebSocket upgrades need ?token=TOKEN or "
                         "'Authorization: Bearer TOKEN' (401 otherwise)",
                         "TOKEN");
    flags.add_double("slow-client-timeout", &o.slow_client_timeout,
                     "disconnect a client that stops reading for this long (so Chromium's send "
                     "queue never overflows)",
                     "SECONDS");
    flags.add_double("restart-confirm-wait", &o.restart_confirm_wait,
                     "after Chromium ends a connection, wait this long for a new DevTools URL: "
                     "one appears -> upstream_changed, none -> upstream_error",
                     "SECONDS");
}

void add_cdp_proxy_help(faultline::FlagSet& flags) {
    flags.add_section(
        "CDP PROXY",
        "Clients (Playwright connectOverCDP, Puppeteer connect({browserURL}),\n"
        "chrome-remote-interface) use --cdp-listen as if it were Chromium. Served:\n"
        "/json/version, /json, /json/list (trailing slash or not), /json/protocol,\n"
        "PUT /json/new?<url>, /json/activate/<id>, /json/close/<id> (DevTools URLs\n"
        "rewritten to the Host the client used; wss behind X-Forwarded-Proto: https;\n"
        "503 while no Chromium is known), and WebSockets on /devtools/browser/<any id>\n"
        "(the current browser) and /devtools/page/<id>. No message size limit.\n"
        "\n"
        "Every relayed connection gives cdp_connect and cdp_disconnect; the reason is\n"
        "client_close (the client ended it or stopped reading), upstream_changed\n"
        "(Chromium restarted: a new DevTools URL appeared within --restart-confirm-wait),\n"
        "upstream_error (Chromium went away for good, or no Chromium answered a dial\n"
        "within 5 s), context_cancelled (the proxy stopped) or target_closed (Chromium\n"
        "ended a page socket whose target went). duration_ms and ts are those of the\n"
        "disconnect itself. The client hears it too, in a Close frame whose reason starts\n"
        "with the same word: 1012 upstream_changed, 1011 upstream_error, 1001\n"
        "context_cancelled / target_closed, 1008 for a client cut off by\n"
        "--slow-client-timeout; close_code records it. While a capture records the\n"
        "control category, each command a client sends is a cdp_command event (method,\n"
        "ids, duration, error; never params or results).");
}

CdpProxy::CdpProxy(CdpProxyOptions options, EventSink sink, LogFn log)
    : options_(std::move(options)), sink_(std::move(sink)), log_(std::move(log)) {}

CdpProxy::~CdpProxy() {
    stop();
}

bool CdpProxy::start(std::string& error) {
    if (!(options_.slow_client_timeout > 0) || !(options_.restart_confirm_wait >= 0)) {
        error = "--slow-client-timeout must be > 0 and --restart-confirm-wait >= 0";
        return false;
    }
    HostPort where;
    if (!parse_host_port(options_.listen, where, error)) {
        error = "--cdp-listen '" + options_.listen + "': " + error;
        return false;
    }
    discovery_ = std::make_unique<cdp::UpstreamDiscovery>(
        cdp::UpstreamDiscovery::Options{options_.chromium_log, options_.upstream, log_});
    if (!discovery_->start(error)) return false;
    RelayOptions ro;
    ro.slow_client_timeout = seconds_to_ms(options_.slow_client_timeout);
    ro.restart_confirm_wait = seconds_to_ms(options_.restart_confirm_wait);
    ro.log = log_;
    ro.source = source_ = cdp::event_source(options_.host);
    events_ = std::make_unique<EventQueue>(sink_, source_, kRelayEventWindow);
    events_->start();
    relay_ = std::make_unique<Relay>(ro, *discovery_, events_->sink(), events_->command_sink());
    if (!relay_->start(error)) return false;
    listen_fd_ = cdp::listen_tcp(where, error);
    if (!listen_fd_) {
        error = "--cdp-listen " + options_.listen + ": " + error;
        return false;
    }
    port_ = cdp::local_port(listen_fd_.get());
    stop_fd_.reset(eventfd(0, EFD_CLOEXEC));
    if (!stop_fd_) {
        error = std::string("eventfd: ") + std::strerror(errno);
        return false;
    }
    started_ = true;
    acceptor_ = std::thread([this] { accept_loop(); });
    return true;
}

void CdpProxy::stop() {
    if (stopping_.exchange(true)) return;
    if (stop_fd_) {
        uint64_t one = 1;
        [[maybe_unused]] ssize_t n = write(stop_fd_.get(), &one, sizeof one);
    }
    if (acceptor_.joinable()) acceptor_.join();
    {
        std::unique_lock lock(mu_);
        idle_.wait(lock, [&] { return handshakes_ == 0; });
    }
    if (relay_) relay_->stop();
    if (events_) events_->stop();  // the relay's last events first
    if (discovery_) discovery_->stop();
    listen_fd_.reset();
    stop_fd_.reset();
}

void CdpProxy::accept_loop() {
    while (!stopping_) {
        pollfd p[2] = {{listen_fd_.get(), POLLIN, 0}, {stop_fd_.get(), POLLIN, 0}};
        if (poll(p, 2, -1) < 0 && errno != EINTR) break;
        if (p[1].revents) break;
        if (!(p[0].revents & POLLIN)) continue;
        UniqueFd fd(accept4(listen_fd_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (!fd) {
            if (errno == EMFILE || errno == ENFILE)
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
            continue;
        }
        cdp::make_relay_socket(fd.get());
        {
            std::lock_guard lock(mu_);
            if (handshakes_ >= kMaxHandshakes) {
                reply(std::move(fd),
                      serialize_reply(json_error(503, "too many connections in their handshake")));
                continue;
            }
            ++handshakes_;
        }
        std::thread([this, fd = std::move(fd)]() mutable {
            serve(std::move(fd));
            std::lock_guard lock(mu_);
            if (--handshakes_ == 0) idle_.notify_all();
        }).detach();
    }
}

void CdpProxy::reply(UniqueFd fd, const std::string& bytes) {
    const auto deadline = cdp::Clock::now() + std::chrono::seconds(2);
    cdp::write_all_until(fd.get(), bytes, deadline, stop_fd_.get());
    cdp::lingering_close(std::move(fd), deadline);
}

// One accepted connection's HTTP phase: read the request head and dispatch it.
void CdpProxy::serve(UniqueFd fd) {
    std::string buf;
    int r = cdp::read_until_blank_line(fd.get(), buf, cdp::kMaxHeadBytes,
                                       cdp::Clock::now() + kHeadTimeout, stop_fd_.get());
    cdp::HttpRequest req;
    cdp::HttpError err;
    cdp::ParseStatus st = cdp::parse_request_head(buf, req, err);
    if (st == cdp::ParseStatus::incomplete) {
        if (r < 0 && buf.empty()) return;  // connected and left (or stopping): nothing to answer
        st = cdp::ParseStatus::invalid;
        err = {400, "incomplete request header"};
    }
    if (st == cdp::ParseStatus::invalid)
        return reply(std::move(fd), serialize_reply(json_error(err.status, err.message)));
    if (!token_accepted(req, options_.token)) {
        HttpReply r401 = json_error(
            401, "missing or wrong token: use ?token=TOKEN or 'Authorization: Bearer TOKEN'");
        r401.headers.push_back({"WWW-Authenticate", "Bearer"});
        return reply(std::move(fd), serialize_reply(r401));
    }
    if (req.path == "/json" || req.path.starts_with("/json/"))
        return serve_json(std::move(fd), req);
    if (std::optional<cdp::DevtoolsPath> target = cdp::parse_devtools_path(req.path)) {
        if (!cdp::is_websocket_upgrade(req))
            return reply(
                std::move(fd),
                serialize_reply(json_error(
                    400, "this is a CDP WebSocket endpoint: a WebSocket upgrade is required")));
        return serve_upgrade(std::move(fd), req, std::string_view(buf).substr(req.head_size),
                             *target);
    }
    return reply(std::move(fd),
                 serialize_reply(json_error(404,
                                            "not found: the CDP proxy serves /json/* and "
                                            "/devtools/browser/<id>, /devtools/page/<id>")));
}

void CdpProxy::serve_json(UniqueFd fd, const cdp::HttpRequest& req) {
    auto route = route_json_request(req);
    if (auto* err = std::get_if<HttpReply>(&route))
        return reply(std::move(fd), serialize_reply(*err));
    std::optional<PublicEndpoint> ep = public_endpoint(fd.get(), req, options_.token);
    if (!ep) return reply(std::move(fd), serialize_reply(json_error(400, "invalid Host header")));
    reply(std::move(fd),
          serialize_reply(relay_json_request(req, std::get<JsonRoute>(route), *discovery_, *ep)));
}

// A client whose upstream could not be reached: it gets 502 and the telemetry says why.
void CdpProxy::fail_connection(ConnectionInfo info, const std::string& why) {
    log_("connection " + info.id + " from " + info.client_addr + ": " + why);
    if (!sink_) return;
    sink_(connect_event(info, source_));
    ConnectionEnd end;
    end.ts = now_rfc3339();
    end.ended = cdp::Clock::now();
    sink_(disconnect_event(info, end, DisconnectReason::upstream_error, source_));
}

void CdpProxy::serve_upgrade(UniqueFd fd, const cdp::HttpRequest& req, std::string_view client_rest,
                             const cdp::DevtoolsPath& target) {
    if (auto err = cdp::check_websocket_upgrade(req)) {
        HttpReply r = json_error(err->status, err->message);
        if (err->status == 426) r.headers.push_back({"Sec-WebSocket-Version", "13"});
        return reply(std::move(fd), serialize_reply(r));
    }
    ConnectionInfo info;
    info.id = next_connection_id();
    info.client_addr = cdp::peer_address(fd.get());
    info.path = req.path;
    info.target = target.kind == cdp::DevtoolsPath::Kind::browser ? "browser" : "page";
    info.started = cdp::Clock::now();
    const auto deadline = info.started + seconds_to_ms(options_.dial_timeout);
    const bool drop_auth = !options_.token.empty();
    // Dial, following URL changes, until Chromium answers the handshake or the time is up.
    std::string last_error = "no Chromium DevTools endpoint known";
    for (;;) {
        if (stopping_)
            return reply(std::move(fd),
                         serialize_reply(json_error(503, "the proxy is shutting down")));
        cdp::UpstreamSnapshot snap = discovery_->current();
        auto retry = [&](const std::string& why) {
            last_error = why;
            discovery_->report_failure();
            discovery_->wait_for_change(snap.version,
                                        std::min(deadline, cdp::Clock::now() + kRetryPause));
        };
        if (cdp::Clock::now() >= deadline) break;
        if (!snap.url) {
            retry(last_error);
            continue;
        }
        const std::string upstream_path = target.kind == cdp::DevtoolsPath::Kind::browser
                                              ? snap.url->path
                                              : "/devtools/page/" + target.id;
        info.upstream_url = "ws://" + snap.url->authority + upstream_path;
        info.browser_url = snap.url->url;
        std::string error;
        UniqueFd up = cdp::connect_tcp(snap.url->address, deadline, stop_fd_.get(), error);
        if (!up) {
            retry("cannot connect to " + snap.url->authority + ": " + error);
            continue;
        }
        std::string ubuf;
        const auto answer_deadline =
            std::max(deadline, cdp::Clock::now() + std::chrono::seconds(2));
        const std::string handshake =
            cdp::build_upstream_handshake(req, upstream_path, snap.url->authority, drop_auth);
        if (!cdp::write_all_until(up.get(), handshake, answer_deadline, stop_fd_.get()) ||
            cdp::read_until_blank_line(up.get(), ubuf, cdp::kMaxHeadBytes, answer_deadline,
                                       stop_fd_.get()) != 1) {
            retry("Chromium at " + snap.url->authority + " closed the handshake");
            continue;
        }
        cdp::HttpResponseHead head;
        cdp::HttpError err;
        if (cdp::parse_response_head(ubuf, head, err) != cdp::ParseStatus::complete) {
            up.reset();
            fail_connection(info, "invalid handshake answer from Chromium: " + err.message);
            return reply(std::move(fd), serialize_reply(json_error(
                                            502, "invalid handshake answer from Chromium")));
        }
        if (head.status == 404 && target.kind == cdp::DevtoolsPath::Kind::browser &&
            cdp::Clock::now() < deadline) {
            up.reset();  // a stale browser id: Chromium restarted and we have not seen it yet
            retry("Chromium does not know browser path " + upstream_path);
            continue;
        }
        if (head.status != 101) {
            std::string body = read_body(up.get(), head, ubuf.substr(head.head_size),
                                         cdp::Clock::now() + std::chrono::seconds(2));
            up.reset();
            log_(fmt::format("{} {}: Chromium answered {}", info.client_addr, req.path,
                             head.status));
            return reply(std::move(fd), ubuf.substr(0, head.head_size) + body);
        }
        // Chromium's 101 goes to the client as is (its Sec-WebSocket-Accept answers the client's
        // key).
        if (!cdp::write_all_until(fd.get(), std::string_view(ubuf).substr(0, head.head_size),
                                  cdp::Clock::now() + std::chrono::seconds(5), stop_fd_.get()))
            return;  // both sockets close here
        if (sink_) sink_(connect_event(info, source_));
        RelayStart start;
        start.info = std::move(info);
        start.client_fd = std::move(fd);
        start.upstream_fd = std::move(up);
        start.client_bytes = std::string(client_rest);
        start.upstream_bytes = ubuf.substr(head.head_size);
        relay_->add(std::move(start));
        return;
    }
    fail_connection(info, last_error);
    reply(std::move(fd),
          serialize_reply(json_error(502, "upstream_error: no Chromium answered within " +
                                              fmt::format("{:g}", options_.dial_timeout) + " s (" +
                                              last_error + ")")));
}

}  // namespace faultline::proxy
