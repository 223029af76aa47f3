// faultline-tail: follows the hub's SSE stream and prints one readable line per event,
// reconnecting with Last-Event-ID so nothing is missed across hub restarts.
#include <httplib.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "faultline/cli.hpp"
#include "faultline/sse.hpp"
#include "faultline_version.h"
#include "tools/event_line.hpp"

#if FAULTLINE_HAVE_NATS
#include "nats_tail.hpp"
#endif

namespace {

struct Options {
    std::string hub = "http://127.0.0.1:10001";
    std::string categories;
    std::string types;
    std::string token;
    std::string since;
    bool raw = false;
    uint64_t count = 0;
};

std::string stream_path(const Options& o) {
    std::string path = "/telemetry/stream?";
    if (!o.categories.empty()) path += "categories=" + o.categories + "&";
    if (!o.types.empty()) path += "types=" + o.types + "&";
    path.pop_back();
    return path;
}

// Streams until the connection ends. Returns true once `count` events were printed.
bool follow_once(const Options& o, std::string& last_id, uint64_t& printed) {
    httplib::Client cli(o.hub);
    cli.set_tcp_nodelay(true);
    cli.set_read_timeout(60, 0);  // the hub sends a heartbeat every 15 s
    httplib::Headers headers;
    if (!last_id.empty()) headers.emplace("Last-Event-ID", last_id);
    if (!o.token.empty()) headers.emplace("Authorization", "Bearer " + o.token);
    faultline::tail::EventLineFormatter formatter(faultline::tail::stdout_wants_colour());
    bool done = false;
    faultline::SseParser sse([&](const faultline::SseEvent& ev) {
        last_id = ev.id;
        std::string line = o.raw ? ev.data : formatter.format(ev.data);
        std::fprintf(stdout, "%s\n", line.c_str());
        std::fflush(stdout);
        done = o.count && ++printed >= o.count;
    });
    auto res = cli.Get(stream_path(o), headers, [&](const char* data, size_t n) {
        sse.feed(std::string_view(data, n));
        return !done;
    });
    if (!done && res && res->status != 200)
        std::fprintf(stderr, "faultline-tail: hub answered %d: %s\n", res->status,
                     res->body.c_str());
    return done;
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    faultline::FlagSet flags("faultline-tail", "faultline-tail [OPTIONS]",
                             "Follows the faultline hub's event stream (Server-Sent Events) and "
                             "prints one line per event: local time, seq, type and the fields "
                             "that matter in human units (colour on a terminal unless NO_COLOR is "
                             "set). Reconnects after hub restarts without losing events.");
    flags.add_string("hub", &o.hub, "hub base URL", "URL");
    flags.add_string("since", &o.since,
                     "replay from after this seq (0 = everything kept); default: only new "
                     "events. The hub's seq: not with --nats (use --nats-from)",
                     "SEQ");
    flags.add_string("categories", &o.categories, "only these categories (comma-separated)",
                     "LIST");
    flags.add_string("types", &o.types, "only these event types (comma-separated)", "LIST");
    flags.add_string("token", &o.token, "bearer token for a hub started with --token", "TOKEN");
#if FAULTLINE_HAVE_NATS
    faultline::tail::NatsTailOptions nats;
    faultline::tail::add_nats_tail_flags(flags, nats);
#else
    std::string nats_servers;
    flags.add_string("nats", &nats_servers,
                     "follow a fleet's NATS JetStream stream (not in this build: no nats.c)",
                     "URL[,URL...]");
#endif
    flags.add_bool("raw", &o.raw, "print the JSON envelopes instead of readable lines");
    flags.add_uint("count", &o.count, "exit after this many events (0 = never)", "N");
    flags.add_section("EXAMPLES",
                      "  faultline-tail\n  faultline-tail --since 0 --categories system\n"
                      "  faultline-tail --nats nats://nats-1:4222 --nats-from start");
    flags.add_section("EXIT STATUS", "  0 after --count events, 2 on bad flags.");
    if (int rc = flags.handle(argc, argv, FAULTLINE_VERSION); rc >= 0) return rc;

#if FAULTLINE_HAVE_NATS
    if (!nats.nats.servers.empty()) {
        if (!o.since.empty()) {
            // A seq is one hub's numbering; a fleet stream interleaves many VMs' seqs.
            std::fprintf(stderr,
                         "faultline-tail: --since is the hub's seq and does not apply to --nats "
                         "(every VM's hub numbers its own events); use --nats-from start, now or "
                         "a time\n");
            return 2;
        }
        std::vector<std::string> cats, types;
        std::string error;
        if (!faultline::tail::parse_names(o.categories, true, cats, error) ||
            !faultline::tail::parse_names(o.types, false, types, error)) {
            std::fprintf(stderr, "faultline-tail: %s\n", error.c_str());
            return 2;
        }
        return faultline::tail::follow_nats(nats, cats, types, o.raw, o.count);
    }
#else
    if (!nats_servers.empty()) {
        std::fprintf(stderr,
                     "faultline-tail: --nats: this faultline-tail was built without NATS support "
                     "(libnats-dev missing at build time)\n");
        return 2;
    }
#endif
    std::string last_id = o.since;
    uint64_t printed = 0;
    bool warned = false;
    while (!follow_once(o, last_id, printed)) {
        if (!warned) std::fprintf(stderr, "faultline-tail: waiting for %s ...\n", o.hub.c_str());
        warned = true;
        std::this_thread::sleep_for(std::chrono::seconds(1));
    }
    return 0;
}
