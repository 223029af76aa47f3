#include "hub/sinks/otlp/otlp_exporter.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cstdio>
#include <ctime>
#include <thread>

#include "hub/sinks/otlp/otlp_response.hpp"

namespace faultline::hub::sinks::otlp {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool valid_header_name(std::string_view n) {
    if (n.empty()) return false;
    for (char c : n)
        if (!(std::isalnum((unsigned char)c) ||
              std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos))
            return false;
    return true;
}

std::string percent_decode(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && std::isxdigit((unsigned char)s[i + 1]) &&
            std::isxdigit((unsigned char)s[i + 2])) {
            out.push_back(char(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
            i += 2;
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

}  // namespace

bool parse_otlp_headers(std::string_view spec, HttpHeaders& out, std::string& error) {
    while (!spec.empty()) {
        size_t comma = spec.find(',');
        std::string_view item = trim(spec.substr(0, comma));
        spec = comma == std::string_view::npos ? std::string_view{} : spec.substr(comma + 1);
        if (item.empty()) continue;
        size_t eq = item.find('=');
        std::string_view name = eq == std::string_view::npos ? item : trim(item.substr(0, eq));
        if (eq == std::string_view::npos || !valid_header_name(name))
            return error = fmt::format("bad header '{}' (expected NAME=VALUE)", name), false;
        std::string value = percent_decode(trim(item.substr(eq + 1)));
        if (value.find_first_of("\r\n") != std::string::npos ||
            value.find('\0') != std::string::npos)
            return error = fmt::format("header '{}': the value holds a line break", name), false;
        out.emplace_back(std::string(name), std::move(value));
    }
    return true;
}

OtlpExporter::OtlpExporter(OtlpOptions opts)
    : opts_(std::move(opts)), batch_limit_(std::max<size_t>(1, opts_.max_batch)) {
    if (!opts_.log) opts_.log = null_log();
}

OtlpExporter::~OtlpExporter() = default;

bool OtlpExporter::open(std::string& error) {
    std::string why;
    if (!parse_sink_endpoint(opts_.endpoint, endpoint_, why))
        return error = fmt::format("--otlp-endpoint '{}': {}", opts_.endpoint, why), false;
    if (endpoint_.path.empty()) endpoint_.path = "/v1/logs";  // a bare collector address
    http_ = std::make_unique<SinkHttp>(endpoint_.origin, opts_.headers, opts_.timeout);
    if (opts_.gzip && !http_->set_gzip(true)) {
        opts_.gzip = false;
        opts_.log("this build has no zlib: sending uncompressed");
    }
    return true;
}

size_t OtlpExporter::deliver(std::span<const OtlpInput> events, const std::atomic<bool>& stop,
                             const std::function<void(size_t)>& on_done) {
    size_t done = 0;
    while (done < events.size() && !stop && fatal_.empty()) {
        const size_t n = std::min(batch_limit_, events.size() - done);
        const Step step = post(events.subspan(done, n));
        if (step == Step::retry) {
            retry_.wait(stop);
            continue;
        }
        if (step == Step::smaller) continue;
        if (step == Step::fatal) break;
        retry_.succeeded();
        batch_limit_ = std::max<size_t>(1, opts_.max_batch);
        done += n;
        if (on_done) on_done(done);
    }
    return done;
}

size_t OtlpExporter::deliver_held(std::span<const HeldEvent> events, const std::atomic<bool>& stop,
                                  const std::function<void(uint64_t)>& done) {
    inputs_.clear();
    for (const auto& e : events) inputs_.push_back(OtlpInput{e.json, e.key, e.observed_ns});
    return deliver(inputs_, stop, [&](size_t n) { done(events[n - 1].seq); });
}

OtlpExporter::Step OtlpExporter::post(std::span<const OtlpInput> batch) {
    const std::string body = encode_logs(opts_.protocol, opts_.resource, batch);
    return on_reply(http_->post(endpoint_.path, body, content_type(opts_.protocol)), batch.size());
}

OtlpExporter::Step OtlpExporter::on_reply(const SinkHttpReply& r, size_t count) {
    const bool proto_reply = r.content_type.find("protobuf") != std::string::npos;
    if (r.status >= 200 && r.status < 300) {
        PartialSuccess ps;
        const bool ok = proto_reply ? parse_partial_success_protobuf(r.body, ps)
                                    : parse_partial_success_json(r.body, ps);
        if (!ok) opts_.log(fmt::format("export answered {} with an unreadable body", r.status));
        if (ps.rejected > 0) {
            stats_.rejected += uint64_t(ps.rejected);
            const std::string why =
                fmt::format("collector rejected {} of {} log record(s): {}", ps.rejected, count,
                            ps.message.empty() ? "(no message)" : ps.message);
            opts_.log(why);
            if (on_failure_) on_failure_(400, why, AfterFailure::give_up, 0);  // as rejected
        }
        stats_.exported +=
            count - std::min<uint64_t>(count, uint64_t(std::max<int64_t>(0, ps.rejected)));
        ++stats_.requests;
        return Step::handled;
    }
    const std::string why =
        r.status == 0 ? r.error
                      : fmt::format("{} {}", r.status, error_message(r.body, proto_reply));
    if (r.status == 0 || r.status == 429 || r.status == 502 || r.status == 503 || r.status == 504) {
        retry_.failed(r, why, "export", count, opts_.log, on_failure_);
        return Step::retry;
    }
    if (r.status == 415 && opts_.gzip) {
        opts_.gzip = false;
        http_->set_gzip(false);
        opts_.log("collector refused gzip (415): sending uncompressed from now on");
        return Step::smaller;
    }
    if (r.status == 413 && count > 1) {
        batch_limit_ = std::max<size_t>(1, count / 2);
        opts_.log(fmt::format("collector refused {} records as too large (413): halving", count));
        return Step::smaller;
    }
    if (r.status == 400 || r.status == 413 || r.status >= 500) {
        stats_.dropped += count;
        const std::string line =
            fmt::format("collector refused {} log record(s) for good ({}): dropped", count, why);
        opts_.log(line);
        if (on_failure_) on_failure_(r.status, line, AfterFailure::give_up, 0);
        return Step::handled;
    }
    fatal_ = fmt::format(
        "export failed: {}; the OTLP sink stopped (check --otlp-endpoint and "
        "--otlp-header)",
        why);
    ++stats_.fatal;
    opts_.log(fatal_);
    if (on_failure_) on_failure_(r.status, fatal_, AfterFailure::stop, 0);
    return Step::fatal;
}

}  // namespace faultline::hub::sinks::otlp
