#include "hub/sinks/nats/connect.hpp"

#include <fmt/format.h>

#include <vector>

#include "hub/sinks/nats/subject.hpp"

namespace faultline::hub::sinks::nats {

Cause cause_of(natsStatus s) {
    switch (s) {
        case NATS_CONNECTION_AUTH_FAILED:
        case NATS_NOT_PERMITTED:
            return Cause::auth;
        case NATS_SSL_ERROR:
            return Cause::tls;
        case NATS_TIMEOUT:
            return Cause::timeout;
        case NATS_NO_RESPONDERS:
            return Cause::no_responders;
        default:
            return Cause::connect;
    }
}

std::string nats_error_text(natsStatus s) {
    const char* last = nats_GetLastError(nullptr);
    std::string text = last && *last ? last : natsStatus_GetText(s);
    // nats.c prefixes its source location: "(conn.c:2088): No server available ...".
    if (text.starts_with('(')) {
        if (const size_t end = text.find("): "); end != std::string::npos) text.erase(0, end + 3);
    }
    if (s == NATS_NO_SERVER)
        text += " (refused, unreachable or unknown host: is nats-server running there?)";
    return text;
}

namespace {
// Applies every setting; the first failing nats.c call is the error.
natsStatus configure(natsOptions* no, const NatsOptions& o, const std::vector<std::string>& urls,
                     const std::string& name, ConnectCallbacks cb) {
    std::vector<const char*> ptrs;
    for (const auto& u : urls) ptrs.push_back(u.c_str());
    natsStatus s = natsOptions_SetServers(no, ptrs.data(), static_cast<int>(ptrs.size()));
    if (s == NATS_OK) s = natsOptions_SetName(no, name.c_str());
    if (s == NATS_OK) s = natsOptions_SetTimeout(no, 2000);
    if (s == NATS_OK) s = natsOptions_SetMaxReconnect(no, -1);  // for ever
    if (s == NATS_OK) s = natsOptions_SetReconnectWait(no, 250);
    if (s == NATS_OK) s = natsOptions_SetPingInterval(no, 2000);  // a dead server shows in ~6 s
    if (s == NATS_OK) s = natsOptions_SetMaxPingsOut(no, 3);
    if (s == NATS_OK && !o.token.empty()) s = natsOptions_SetToken(no, o.token.c_str());
    if (s == NATS_OK && !o.user.empty())
        s = natsOptions_SetUserInfo(no, o.user.c_str(), o.password.c_str());
    if (s == NATS_OK && !o.creds.empty())
        s = natsOptions_SetUserCredentialsFromFiles(no, o.creds.c_str(), nullptr);
    if (s == NATS_OK && (o.tls || !o.tls_ca.empty())) s = natsOptions_SetSecure(no, true);
    if (s == NATS_OK && !o.tls_ca.empty())
        s = natsOptions_LoadCATrustedCertificates(no, o.tls_ca.c_str());
    if (s == NATS_OK && !o.tls_cert.empty())
        s = natsOptions_LoadCertificatesChain(no, o.tls_cert.c_str(), o.tls_key.c_str());
    if (s == NATS_OK && cb.disconnected)
        s = natsOptions_SetDisconnectedCB(no, cb.disconnected, cb.closure);
    if (s == NATS_OK && cb.reconnected)
        s = natsOptions_SetReconnectedCB(no, cb.reconnected, cb.closure);
    if (s == NATS_OK && cb.closed) s = natsOptions_SetClosedCB(no, cb.closed, cb.closure);
    return s;
}
}  // namespace

natsConnection* connect(const NatsOptions& o, const std::string& name, ConnectCallbacks cb,
                        SinkError& err) {
    std::vector<std::string> urls;
    if (!parse_server_list(o.servers, urls, err.message)) {
        err.cause = Cause::connect;
        return nullptr;
    }
    natsOptions* no = nullptr;
    natsConnection* nc = nullptr;
    natsStatus s = natsOptions_Create(&no);
    if (s == NATS_OK && (s = configure(no, o, urls, name, cb)) != NATS_OK) {
        err = {s == NATS_SSL_ERROR ? Cause::tls : Cause::connect,
               fmt::format("bad NATS settings: {}", nats_error_text(s))};
        natsOptions_Destroy(no);
        return nullptr;
    }
    if (s == NATS_OK) s = natsConnection_Connect(&nc, no);
    natsOptions_Destroy(no);
    if (s == NATS_OK) return nc;
    err = {cause_of(s), fmt::format("cannot connect to {}: {}", o.servers, nats_error_text(s))};
    if (err.cause == Cause::timeout) err.cause = Cause::connect;
    return nullptr;
}

}  // namespace faultline::hub::sinks::nats
