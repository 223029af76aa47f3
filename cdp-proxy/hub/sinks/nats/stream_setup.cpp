#include "hub/sinks/nats/stream_setup.hpp"

#include <fmt/format.h>

#include "faultline/schema.hpp"
#include "hub/sinks/nats/connect.hpp"
#include "hub/sinks/nats/subject.hpp"

namespace faultline::hub::sinks::nats {

namespace {
constexpr int64_t kNsPerSecond = 1000000000;

// The first subject this host publishes to that none of the stream's subjects match, or "".
std::string uncovered_subject(const jsStreamConfig& cfg, const NatsOptions& o,
                              const std::string& host) {
    for (const auto& spec : all_event_specs()) {
        const std::string subject = event_subject(o.subject, host, spec.category, spec.type);
        bool covered = false;
        for (int i = 0; i < cfg.SubjectsLen && !covered; ++i)
            covered = subject_matches(cfg.Subjects[i], subject);
        if (!covered) return subject;
    }
    return "";
}

std::string subjects_text(const jsStreamConfig& cfg) {
    std::string out;
    for (int i = 0; i < cfg.SubjectsLen; ++i) out += (i ? ", " : "") + std::string(cfg.Subjects[i]);
    return out.empty() ? "none" : out;
}

bool create_stream(jsCtx* js, const NatsOptions& o, SinkError& err) {
    const std::string subject = o.subject + ".>";
    const char* subjects[] = {subject.c_str()};
    jsStreamConfig cfg;
    jsStreamConfig_Init(&cfg);
    cfg.Name = o.stream.c_str();
    cfg.Subjects = subjects;
    cfg.SubjectsLen = 1;
    cfg.Storage = js_FileStorage;
    cfg.Replicas = static_cast<int64_t>(o.replicas);
    cfg.MaxAge = static_cast<int64_t>(o.max_age_seconds) * kNsPerSecond;
    cfg.Duplicates = static_cast<int64_t>(o.duplicate_window_seconds) * kNsPerSecond;
    jsStreamInfo* si = nullptr;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    const natsStatus s = js_AddStream(&si, js, &cfg, nullptr, &jerr);
    jsStreamInfo_Destroy(si);
    if (s == NATS_OK) return true;
    err = {Cause::stream, fmt::format("cannot create stream {} for {}: {}", o.stream, subject,
                                      nats_error_text(s))};
    return false;
}
}  // namespace

bool ensure_stream(jsCtx* js, const NatsOptions& o, const std::string& host, bool& created,
                   SinkError& err) {
    created = false;
    jsStreamInfo* si = nullptr;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    const natsStatus s = js_GetStreamInfo(&si, js, o.stream.c_str(), nullptr, &jerr);
    if (s == NATS_NOT_FOUND || jerr == JSStreamNotFoundErr) {
        if (!o.create_stream) {
            err = {Cause::stream, fmt::format("stream {} does not exist (and "
                                              "--nats-create-stream is off)",
                                              o.stream)};
            return false;
        }
        return created = create_stream(js, o, err);
    }
    if (s != NATS_OK) {
        err = {s == NATS_NO_RESPONDERS || s == NATS_TIMEOUT ? Cause::no_responders : Cause::stream,
               fmt::format("cannot look up stream {}: {}{}", o.stream, nats_error_text(s),
                           s == NATS_NO_RESPONDERS || s == NATS_TIMEOUT
                               ? " (is JetStream enabled on the server: nats-server -js?)"
                               : "")};
        return false;
    }
    const std::string missing = uncovered_subject(*si->Config, o, host);
    if (!missing.empty())
        err = {Cause::stream,
               fmt::format("stream {} takes subjects [{}], which do not cover {} (this hub "
                           "publishes to {}.{}.>): add that subject to the stream, or choose "
                           "another --nats-stream or --nats-subject",
                           o.stream, subjects_text(*si->Config), missing, o.subject,
                           subject_token(host))};
    jsStreamInfo_Destroy(si);
    return missing.empty();
}

}  // namespace faultline::hub::sinks::nats
