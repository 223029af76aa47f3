#include "nats_tail.hpp"

#include <simdjson.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <thread>

#include "faultline/schema.hpp"
#include "hub/sinks/nats/connect.hpp"
#include "hub/sinks/nats/connection_flags.hpp"
#include "hub/sinks/nats/subject.hpp"
#include "tools/event_line.hpp"

namespace faultline::tail {

namespace nats = faultline::hub::sinks::nats;

void add_nats_tail_flags(FlagSet& flags, NatsTailOptions& o) {
    auto& n = o.nats;
    flags.add_string("nats", &n.servers,
                     "follow a fleet's NATS JetStream stream instead of one hub (seed servers, "
                     "comma-separated)",
                     "URL[,URL...]");
    flags.add_string("nats-subject", &n.subject, "subject prefix the hubs publish under", "PREFIX");
    flags.add_string("nats-from", &o.from,
                     "where to start: start (everything kept), now, or a time "
                     "(2026-06-12T20:05:01Z)",
                     "WHEN");
    nats::add_nats_connection_flags(flags, n);
}

std::string subject_host(const std::string& prefix, const std::string& subject) {
    if (subject.size() <= prefix.size() + 1 || !subject.starts_with(prefix) ||
        subject[prefix.size()] != '.')
        return "";
    const size_t start = prefix.size() + 1, end = subject.find('.', start);
    return end == std::string::npos ? "" : subject.substr(start, end - start);
}

bool parse_names(const std::string& list, bool categories, std::vector<std::string>& out,
                 std::string& error) {
    size_t start = 0;
    while (start <= list.size()) {
        size_t comma = list.find(',', start);
        if (comma == std::string::npos) comma = list.size();
        const std::string item = list.substr(start, comma - start);
        start = comma + 1;
        if (item.empty()) continue;
        if (categories ? !is_known_category(item) : !find_event_spec(item)) {
            error = std::string(categories ? "--categories: unknown category '"
                                           : "--types: unknown event type '") +
                    item + "'";
            return false;
        }
        out.push_back(item);
    }
    return true;
}

namespace {
struct State {
    std::string prefix;
    std::vector<std::string> categories, types;
    bool raw = false;
    uint64_t count = 0, printed = 0;
    EventLineFormatter formatter{stdout_wants_colour()};
    std::mutex mu;
    std::condition_variable cv;
};

bool listed(const std::vector<std::string>& v, std::string_view s) {
    if (v.empty()) return true;
    for (const auto& x : v)
        if (x == s) return true;
    return false;
}

// The narrowest single filter subject the server can apply (2.9 takes only one).
std::string filter_subject(const std::string& prefix, const std::vector<std::string>& cats,
                           const std::vector<std::string>& types) {
    if (types.size() == 1) {
        const auto* spec = find_event_spec(types[0]);
        if (spec && listed(cats, spec->category))
            return prefix + ".*." + std::string(spec->category) + "." + types[0];
    }
    if (cats.size() == 1) return prefix + ".*." + cats[0] + ".>";
    return prefix + ".>";
}

void on_msg(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
    auto* st = static_cast<State*>(closure);
    const std::string subject = natsMsg_GetSubject(msg);
    const size_t last = subject.rfind('.'), prev = subject.rfind('.', last - 1);
    const std::string type = subject.substr(last + 1);
    const std::string category = subject.substr(prev + 1, last - prev - 1);
    const std::string_view json(natsMsg_GetData(msg), natsMsg_GetDataLength(msg));
    std::lock_guard lock(st->mu);
    if (listed(st->categories, category) && listed(st->types, type) &&
        (!st->count || st->printed < st->count)) {
        const std::string host = subject_host(st->prefix, subject);
        const std::string line = st->raw ? std::string(json) : st->formatter.format(json);
        std::printf("%-16s %s\n", host.c_str(), line.c_str());
        std::fflush(stdout);
        ++st->printed;
        st->cv.notify_all();
    }
    natsMsg_Destroy(msg);
}

// Sets the deliver policy from --nats-from. False on a value it does not understand.
bool deliver_from(const std::string& from, jsConsumerConfig& cfg) {
    if (from == "start") {
        cfg.DeliverPolicy = js_DeliverAll;
        return true;
    }
    if (from == "now") {
        cfg.DeliverPolicy = js_DeliverNew;
        return true;
    }
    std::tm tm{};
    const char* end = strptime(from.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
    if (!end || (*end && std::string_view(end) != "Z")) return false;
    cfg.DeliverPolicy = js_DeliverByStartTime;
    cfg.OptStartTime = static_cast<int64_t>(timegm(&tm)) * 1000000000;
    return true;
}
}  // namespace

// Subscribes to the stream; while it does not exist yet (no hub has exported to it), says so
// once and tries again every half second.
natsStatus subscribe(jsCtx* js, const std::string& filter, State& st, jsSubOptions& so,
                     natsSubscription*& sub) {
    for (bool told = false;; told = true) {
        jsErrCode jerr = static_cast<jsErrCode>(0);
        natsStatus s = js_Subscribe(&sub, js, filter.c_str(), on_msg, &st, nullptr, &so, &jerr);
        if (s == NATS_OK || jerr != JSStreamNotFoundErr) return s;
        if (!told)
            std::fprintf(stderr,
                         "faultline-tail: stream %s does not exist yet (no hub has exported to "
                         "it); waiting for it\n",
                         so.Stream);
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
}

int follow_nats(const NatsTailOptions& o, const std::vector<std::string>& categories,
                const std::vector<std::string>& types, bool raw, uint64_t count) {
    State st;
    st.prefix = o.nats.subject;
    st.categories = categories;
    st.types = types;
    st.raw = raw;
    st.count = count;
    jsSubOptions so;
    jsSubOptions_Init(&so);
    if (!deliver_from(o.from, so.Config)) {
        std::fprintf(stderr,
                     "faultline-tail: --nats-from '%s': expected start, now or a time like "
                     "2026-06-12T20:05:01Z\n",
                     o.from.c_str());
        return 2;
    }
    faultline::hub::sinks::SinkError err;
    natsConnection* nc = nats::connect(o.nats, "faultline-tail", {}, err);
    if (!nc) {
        std::fprintf(stderr, "faultline-tail: %s\n", err.message.c_str());
        return 1;
    }
    jsCtx* js = nullptr;
    natsSubscription* sub = nullptr;
    so.Stream = o.nats.stream.c_str();
    so.Ordered = true;  // gaps and redeliveries are the library's business, in stream order
    const std::string filter = filter_subject(st.prefix, categories, types);
    natsStatus s = natsConnection_JetStream(&js, nc, nullptr);
    if (s == NATS_OK) s = subscribe(js, filter, st, so, sub);
    if (s != NATS_OK) {
        std::fprintf(stderr, "faultline-tail: cannot follow stream %s (%s): %s\n",
                     o.nats.stream.c_str(), filter.c_str(), nats::nats_error_text(s).c_str());
        jsCtx_Destroy(js);
        natsConnection_Destroy(nc);
        return 1;
    }
    std::fprintf(stderr, "faultline-tail: following stream %s (%s) from %s\n",
                 o.nats.stream.c_str(), filter.c_str(), o.from.c_str());
    {
        std::unique_lock lock(st.mu);
        st.cv.wait(lock, [&] { return st.count && st.printed >= st.count; });
    }
    natsSubscription_Unsubscribe(sub);
    natsSubscription_Destroy(sub);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    return 0;
}

}  // namespace faultline::tail
