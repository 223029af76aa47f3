#include "monitor/cdp_events.hpp"

#include <fmt/format.h>

namespace faultline::monitor {

using simdjson::dom::array;
using simdjson::dom::element;

std::string_view str(object o, std::string_view key) {
    std::string_view v;
    return o[key].get_string().get(v) ? std::string_view() : v;
}

int64_t int_or(object o, std::string_view key, int64_t missing) {
    element e;
    if (o[key].get(e)) return missing;
    int64_t i;
    double d;
    if (!e.get_int64().get(i)) return i;
    if (!e.get_double().get(d)) return static_cast<int64_t>(d);
    return missing;
}

double num_or(object o, std::string_view key, double missing) {
    double d;
    return o[key].get_double().get(d) ? missing : d;
}

bool bool_or(object o, std::string_view key, bool missing) {
    bool b;
    return o[key].get_bool().get(b) ? missing : b;
}

JsonObject context_object(const NavContext& c) {
    JsonObject o;
    o.add("session_id", c.session_id)
        .add("target_id", c.target_id)
        .add("target_type", c.target_type)
        .add("frame_id", c.frame_id)
        .add("loader_id", c.loader_id)
        .add("url", c.url)
        .add("nav_seq", c.nav_seq);
    return o;
}

std::string render_remote_object(element arg) {
    object o;
    if (arg.get_object().get(o)) return {};
    element v;
    if (!o["value"].get(v)) {
        std::string_view s;
        if (!v.get_string().get(s)) return std::string(s);
        return simdjson::minify(v);
    }
    if (auto u = str(o, "unserializableValue"); !u.empty()) return std::string(u);
    if (auto d = str(o, "description"); !d.empty()) return std::string(d);
    return std::string(str(o, "type"));
}

void add_stack(JsonObject& out, object o) {
    object st;
    array frames;
    if (o["stackTrace"].get_object().get(st) || st["callFrames"].get_array().get(frames)) return;
    std::vector<std::string> lines;
    for (element f : frames) {
        object fo;
        if (f.get_object().get(fo)) continue;
        auto fn = str(fo, "functionName");
        lines.push_back(fmt::format("{} {}:{}:{}", fn.empty() ? "(anonymous)" : fn, str(fo, "url"),
                                    int_or(fo, "lineNumber", 0), int_or(fo, "columnNumber", 0)));
        if (lines.size() == 32) break;  // deep recursion: the innermost frames tell enough
    }
    out.add("stack", lines);
}

std::pair<std::string_view, std::string> console_api_called(const NavContext& c, object params) {
    const std::string_view level = str(params, "type");
    std::vector<std::string> args;
    array arr;
    if (!params["args"].get_array().get(arr))
        for (element a : arr) args.push_back(render_remote_object(a));
    JsonObject o = context_object(c);
    o.add("level", level)
        .add("text", args.empty() ? std::string() : args.front())
        .add("args", args);
    add_stack(o, params);
    // console.assert failures are errors too.
    const bool error = level == "error" || level == "assert";
    return {error ? "console_error" : "console_log", o.finish()};
}

std::string exception_thrown(const NavContext& c, object params) {
    object d;
    if (params["exceptionDetails"].get_object().get(d)) d = params;
    std::string text(str(d, "text"));
    object ex;
    if (!d["exception"].get_object().get(ex)) {
        // "Uncaught" alone says little; the exception's description carries the message.
        if (auto desc = str(ex, "description"); !desc.empty())
            text = text.empty() ? std::string(desc) : fmt::format("{} {}", text, desc);
    }
    JsonObject o = context_object(c);
    o.add("level", "exception")
        .add("text", text)
        .add("line", int_or(d, "lineNumber", 0))
        .add("column", int_or(d, "columnNumber", 0))
        .add("source_url", str(d, "url"));
    add_stack(o, d);
    return o.finish();
}

bool is_credential_header(std::string_view name) {
    static constexpr std::string_view kNames[] = {
        "cookie",        "set-cookie",   "set-cookie2",  "authorization", "proxy-authorization",
        "x-api-key",     "x-auth-token", "x-csrf-token", "x-xsrf-token",  "x-amz-security-token",
        "x-access-token"};
    for (auto k : kNames) {
        if (k.size() != name.size()) continue;
        bool same = true;
        for (size_t i = 0; i < k.size() && same; ++i)
            same = k[i] == (name[i] >= 'A' && name[i] <= 'Z' ? name[i] - 'A' + 'a' : name[i]);
        if (same) return true;
    }
    return false;
}

std::string redacted_headers(object o, std::string_view key) {
    object h;
    if (o[key].get_object().get(h)) return {};
    JsonObject out;
    for (auto field : h) {
        const std::string_view name = field.key;
        if (is_credential_header(name)) {
            out.add(name, kRedacted);
            continue;
        }
        std::string_view v;
        if (field.value.get_string().get(v))
            out.add_raw(name, simdjson::minify(field.value));
        else
            out.add(name, v);
    }
    return out.finish();
}

std::string network_request(NavContext c, object params, const std::string* redirect_from) {
    object req;
    if (params["request"].get_object().get(req)) req = params;
    c.url = std::string(str(req, "url"));
    if (auto f = str(params, "frameId"); !f.empty()) c.frame_id = std::string(f);
    if (auto l = str(params, "loaderId"); !l.empty()) c.loader_id = std::string(l);
    JsonObject o = context_object(c);
    o.add("request_id", str(params, "requestId"))
        .add("method", str(req, "method"))
        .add("document_url", str(params, "documentURL"));
    if (auto h = redacted_headers(req, "headers"); !h.empty()) o.add_raw("headers", h);
    object init;
    if (!params["initiator"].get_object().get(init)) o.add("initiator_type", str(init, "type"));
    // Request bodies are never captured: a login form posts the password in one.
    if (auto t = str(params, "type"); !t.empty()) o.add("resource_type", t);
    if (redirect_from) o.add("is_redirect", true).add("redirect_url", *redirect_from);
    return o.finish();
}

void response_received(RequestInfo& info, object params) {
    object r;
    if (params["response"].get_object().get(r)) return;
    info.have_response = true;
    info.status = int_or(r, "status", 0);
    info.status_text = std::string(str(r, "statusText"));
    info.mime_type = std::string(str(r, "mimeType"));
    info.headers_json = redacted_headers(r, "headers");
    if (auto t = str(params, "type"); !t.empty()) info.resource_type = std::string(t);
    object t;
    if (!r["timing"].get_object().get(t)) {
        // CDP timing: milliseconds relative to requestTime; -1 = did not happen.
        auto span = [&](std::string_view a, std::string_view b) {
            const double x = num_or(t, a, -1), y = num_or(t, b, -1);
            return x >= 0 && y >= x ? y - x : -1.0;
        };
        JsonObject tj;
        tj.add("dns_ms", span("dnsStart", "dnsEnd"))
            .add("connect_ms", span("connectStart", "connectEnd"))
            .add("ssl_ms", span("sslStart", "sslEnd"))
            .add("send_ms", span("sendStart", "sendEnd"))
            .add("wait_ms", span("sendEnd", "receiveHeadersEnd"));
        info.timing_json = tj.finish();
    }
}

std::string network_response(NavContext c, const RequestInfo& info, object finished,
                             const std::string* body, bool body_truncated) {
    c.url = info.url;
    c.frame_id = info.frame_id;
    c.loader_id = info.loader_id;
    c.nav_seq = info.nav_seq;
    JsonObject o = context_object(c);
    o.add("request_id", str(finished, "requestId"))
        .add("method", info.method)
        .add("status", info.status)
        .add("status_text", info.status_text)
        .add("mime_type", info.mime_type)
        .add("resource_type", info.resource_type);
    if (!info.headers_json.empty()) o.add_raw("headers", info.headers_json);
    if (!info.timing_json.empty()) o.add_raw("timing", info.timing_json);
    const double end = num_or(finished, "timestamp", -1);
    if (end >= 0 && info.sent_timestamp > 0)
        o.add("duration_ms", (end - info.sent_timestamp) * 1000.0);
    o.add("encoded_bytes", int_or(finished, "encodedDataLength", 0));
    if (body) o.add("body", *body).add("body_truncated", body_truncated);
    return o.finish();
}

std::string loading_failed(NavContext c, object params, const RequestInfo* info) {
    if (info) {
        c.url = info->url;
        c.frame_id = info->frame_id;
        c.loader_id = info->loader_id;
        c.nav_seq = info->nav_seq;
    }
    JsonObject o = context_object(c);
    const bool canceled = bool_or(params, "canceled", false);
    o.add("request_id", str(params, "requestId"))
        .add("error_text", str(params, "errorText"))
        .add("canceled", canceled);
    if (auto t = str(params, "type"); !t.empty())
        o.add("resource_type", t);
    else if (info && !info->resource_type.empty())
        o.add("resource_type", info->resource_type);
    if (auto b = str(params, "blockedReason"); !b.empty()) o.add("blocked_reason", b);
    return o.finish();
}

std::string page_navigation(const NavContext& c, object frame, bool top_level) {
    NavContext n = c;
    n.frame_id = std::string(str(frame, "id"));
    n.loader_id = std::string(str(frame, "loaderId"));
    n.url = std::string(str(frame, "url"));
    JsonObject o = context_object(n);
    if (auto p = str(frame, "parentId"); !p.empty()) o.add("parent_frame_id", p);
    o.add("top_level", top_level);
    return o.finish();
}

std::optional<std::pair<std::string_view, std::string>> timeline_event(const NavContext& c,
                                                                       object params) {
    object ev;
    if (params["event"].get_object().get(ev)) return std::nullopt;
    const std::string_view type = str(ev, "type");
    JsonObject o = context_object(c);
    if (auto f = str(ev, "frameId"); !f.empty()) o.add("source_frame_id", f);
    o.add("time", num_or(ev, "time", 0));
    if (type == "layout-shift") {
        object d;
        if (ev["layoutShiftDetails"].get_object().get(d)) return std::nullopt;
        const bool recent = bool_or(d, "hadRecentInput", false);
        o.add("value", num_or(d, "value", 0)).add("had_recent_input", recent);
        return std::pair{std::string_view("page_layout_shift"), o.finish()};
    }
    if (type == "largest-contentful-paint") {
        object d;
        if (ev["lcpDetails"].get_object().get(d)) return std::nullopt;
        o.add("render_time", num_or(d, "renderTime", 0))
            .add("load_time", num_or(d, "loadTime", 0))
            .add("size", num_or(d, "size", 0))
            .add("element_id", str(d, "elementId"))
            .add("element_url", str(d, "url"));
        return std::pair{std::string_view("page_lcp"), o.finish()};
    }
    return std::nullopt;
}

}  // namespace faultline::monitor
