#include "monitor/browser_session.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <utility>

#include "faultline/clock.hpp"
#include "monitor/body_capture.hpp"

namespace faultline::monitor {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

namespace {

// New targets wait until on_attached has enabled their domains, so a tab that loads at once
// (a popup) cannot finish loading before Page.enable and lose its page_load.
constexpr std::string_view kAutoAttach =
    R"({"autoAttach":true,"waitForDebuggerOnStart":true,"flatten":true})";

bool has_page_domain(std::string_view type) {
    return type == "page" || type == "iframe";
}

// What a capture records: the pages and what runs for them. Chromium's own UI (browser_ui: the
// omnibox popup and other chrome:// surfaces), tabs and the rest are not the page's story.
bool captured_type(std::string_view type) {
    return has_page_domain(type) || type == "worker" || type == "shared_worker" ||
           type == "service_worker";
}

std::string target_params(std::string_view key, std::string_view id) {
    return JsonObject().add(key, id).finish();
}

int64_t steady_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// While a crash waits for a snapshot that shows its renderer gone, ask again this often.
constexpr int64_t kRendererRetryMs = 200;

}  // namespace

BrowserSession::BrowserSession(CdpConnection& conn, const MonitorOptions& opts, Emit emit,
                               EmitAt emit_at)
    : BrowserSession([&conn](std::string_view m, std::string_view p,
                             std::string_view sid) { return conn.send(m, p, sid); },
                     opts, std::move(emit), std::move(emit_at)) {}

BrowserSession::BrowserSession(SendFn send, const MonitorOptions& opts, Emit emit, EmitAt emit_at)
    : send_(std::move(send)),
      opts_(opts),
      emit_(std::move(emit)),
      emit_at_(std::move(emit_at)),
      last_heard_ms_(steady_ms()),
      crashes_(static_cast<int64_t>(opts.crash_oom_wait * 1000)),
      interactions_(static_cast<int64_t>(opts.interaction_interval_ms)) {}

int64_t BrowserSession::command(std::string_view method, std::string params,
                                std::string_view session, Reply reply) {
    const int64_t id = send_(method, params, session);
    if (id && reply) pending_.add(id, std::move(reply), steady_ms(), std::string(session));
    return id;
}

bool BrowserSession::init(std::string& failed_step) {
    // Discovery only: cheap, and it is what delivers Target.targetCrashed.
    const int64_t sent = command("Target.setDiscoverTargets", R"({"discover":true})", {},
                                 [this](bool ok, object, std::string_view err) {
                                     initialized_ = ok;
                                     if (ok) return;
                                     init_failed_step_ = "Target.setDiscoverTargets";
                                     init_error_ = err;
                                 });
    if (!sent) {
        failed_step = "Target.setDiscoverTargets";
        return false;
    }
    refresh_renderers();
    return true;
}

bool BrowserSession::unresponsive(int64_t now) const {
    return probe_sent_ms_ && now - probe_sent_ms_ >= kUnresponsiveMs;
}

void BrowserSession::probe(int64_t now) {
    if (probe_sent_ms_ || now - last_heard_ms_ < kProbeIdleMs) return;
    probe_sent_ms_ = now;
    command("Browser.getVersion", {}, {});  // any answer (or event) clears the probe
}

void BrowserSession::expire_replies(int64_t now) {
    auto late = pending_.expire(now);
    if (late.empty()) return;
    opts_.log(fmt::format("{} CDP command(s) got no reply within {} s; given up", late.size(),
                          kReplyTimeoutMs / 1000));
    for (Reply& r : late) r(false, object(), "no reply (timed out)");
}

void BrowserSession::refresh_renderers() {
    // One snapshot in flight at a time; a request meanwhile asks for one more after it (so a
    // crash always gets a snapshot taken after it).
    if (snapshot_in_flight_) {
        snapshot_again_ = true;
        return;
    }
    snapshot_in_flight_ = true;
    command("SystemInfo.getProcessInfo", {}, {}, [this](bool ok, object result, std::string_view) {
        snapshot_in_flight_ = false;
        if (std::exchange(snapshot_again_, false)) refresh_renderers();
        array procs;
        if (!ok || result["processInfo"].get_array().get(procs)) return;
        std::set<int64_t> pids;
        for (element p : procs) {
            object po;
            if (p.get_object().get(po) || str(po, "type") != "renderer") continue;
            if (int64_t pid = int_or(po, "id", 0); pid > 0) pids.insert(pid);
        }
        crashes_.renderer_pids(pids);
        // A crash whose renderer is still listed (not reaped yet): look again shortly.
        renderers_due_ms_ = crashes_.pid_pending() ? steady_ms() + kRendererRetryMs : 0;
    });
}

void BrowserSession::set_categories(const std::vector<std::string>& categories, int64_t now) {
    const Capture next = capture_of(categories);
    capture_ = next;
    if (!capture_.any()) {
        if (attached_) detach_all();
        return;
    }
    if (!attached_) return attach_all();
    for (auto& [id, s] : sessions_) apply_domains(s);
    (void)now;
}

void BrowserSession::attach_all() {
    attached_ = true;
    command(
        "Target.setAutoAttach", std::string(kAutoAttach), {},
        [this](bool ok, object, std::string_view err) {
            if (!ok)
                emit_("monitor_init_failed",
                      JsonObject().add("step", "Target.setAutoAttach").add("error", err).finish());
        });
    // Pages that exist already: setAutoAttach covers new ones; attach the rest explicitly.
    command("Target.getTargets", {}, {}, [this](bool ok, object result, std::string_view) {
        array infos;
        if (!ok || result["targetInfos"].get_array().get(infos)) return;
        for (element e : infos) {
            object t;
            if (e.get_object().get(t) || str(t, "type") != "page") continue;
            bool attached_here = false;
            for (const auto& [sid, s] : sessions_)
                attached_here |= s.target_id == str(t, "targetId");
            if (!attached_here)
                command(
                    "Target.attachToTarget",
                    JsonObject().add("targetId", str(t, "targetId")).add("flatten", true).finish(),
                    {});
        }
    });
}

void BrowserSession::detach_all() {
    attached_ = false;
    command("Target.setAutoAttach",
            R"({"autoAttach":false,"waitForDebuggerOnStart":false,"flatten":true})", {});
    for (const auto& [id, s] : sessions_)
        command("Target.detachFromTarget", target_params("sessionId", id), {});
    pending_.forget_if([](const std::string& sid) { return !sid.empty(); });
    sessions_.clear();
    requests_.clear();
    interactions_.clear();
    abandon_screenshot({});
}

void BrowserSession::on_message(std::string_view json, int64_t now) {
    last_heard_ms_ = now;  // Chromium is alive: no probe needed
    probe_sent_ms_ = 0;
    object msg;
    // An empty view may have no data pointer, which simdjson would memcpy from.
    if (json.empty() || parser_.parse(json.data(), json.size()).get_object().get(msg)) {
        opts_.log("dropping a malformed CDP message");
        return;
    }
    int64_t id;
    if (!msg["id"].get_int64().get(id)) return on_reply(id, msg);
    object params;
    if (msg["params"].get_object().get(params)) return;
    on_event(str(msg, "method"), params, str(msg, "sessionId"), now);
}

void BrowserSession::forget_commands(const std::string& sid) {
    pending_.forget_if([&](const std::string& tag) { return tag == sid; });
}

void BrowserSession::on_reply(int64_t id, object msg) {
    std::optional<Reply> taken = pending_.take(id);
    if (!taken) return;
    Reply& reply = *taken;
    object result, error;
    if (!msg["error"].get_object().get(error)) return reply(false, object(), str(error, "message"));
    if (msg["result"].get_object().get(result)) return reply(false, object(), "no result");
    reply(true, result, {});
}

void BrowserSession::on_event(std::string_view method, object params, std::string_view session_id,
                              int64_t now) {
    if (!session_id.empty()) {
        auto it = sessions_.find(std::string(session_id));
        if (it == sessions_.end()) {
            // Children of an attached session (iframes, workers) announce themselves there.
            if (method == "Target.attachedToTarget" && capture_.any()) on_attached(params, now);
            return;
        }
        if (method == "Target.attachedToTarget") return on_attached(params, now);
        if (method == "Target.detachedFromTarget") return on_detached(params);
        if (method == "Inspector.targetCrashed") return;  // the browser-level event reports it
        return on_session_event(it->second, method, params, now);
    }
    if (method == "Target.targetCreated" || method == "Target.targetInfoChanged")
        return on_target_info(params);
    if (method == "Target.targetDestroyed") {
        crashes_.target_destroyed(std::string(str(params, "targetId")));
        return refresh_renderers();  // a closed tab's renderer must not look like a crash's
    }
    if (method == "Target.targetCrashed") return on_target_crashed(params, now);
    if (method == "Target.attachedToTarget" && capture_.any()) return on_attached(params, now);
    if (method == "Target.detachedFromTarget") return on_detached(params);
}

void BrowserSession::on_target_info(object params) {
    object t;
    if (params["targetInfo"].get_object().get(t)) return;
    TargetInfo info{std::string(str(t, "targetId")), std::string(str(t, "type")),
                    std::string(str(t, "url")),      std::string(str(t, "title")),
                    std::string(str(t, "openerId")), 0};
    const bool page = info.type == "page";
    crashes_.target_info(std::move(info));
    // Pages get renderers when they appear and when they navigate (site isolation may swap
    // them): keep the snapshot the crash is diffed against current.
    if (page) refresh_renderers();
}

void BrowserSession::on_target_crashed(object params, int64_t now) {
    // The crash is published after a hold; its ts is now, when Chromium reported it.
    crashes_.crashed(std::string(str(params, "targetId")), std::string(str(params, "status")),
                     int_or(params, "errorCode", -1), now_rfc3339(), now);
    refresh_renderers();  // the renderer that vanished is the one that died
    // Discovery may not have reported the latest title yet; the target outlives its renderer.
    command("Target.getTargetInfo", target_params("targetId", str(params, "targetId")), {},
            [this](bool ok, object result, std::string_view) {
                object t;
                if (!ok || result["targetInfo"].get_object().get(t)) return;
                crashes_.refresh_held(std::string(str(t, "targetId")), std::string(str(t, "url")),
                                      std::string(str(t, "title")));
            });
}

void BrowserSession::on_attached(object params, int64_t now) {
    const std::string sid(str(params, "sessionId"));
    if (sid.empty()) return;
    const bool tracked = track_attached(params, sid);
    // Commands run in order per session: the target resumes after its domains are enabled.
    command("Runtime.runIfWaitingForDebugger", {}, sid);
    // A second session to a target already attached (auto-attach and getTargets' explicit
    // attach crossed): ours alone would keep it, and its events would be unseen work.
    if (!tracked) command("Target.detachFromTarget", target_params("sessionId", sid), {});
    (void)now;
}

bool BrowserSession::track_attached(object params, const std::string& sid) {
    object t;
    if (sessions_.count(sid)) return true;
    if (params["targetInfo"].get_object().get(t)) return false;
    Session s;
    s.id = sid;
    s.target_id = std::string(str(t, "targetId"));
    s.target_type = std::string(str(t, "type"));
    if (!captured_type(s.target_type)) return false;  // detached again by on_attached
    for (const auto& [id, other] : sessions_)
        if (other.target_id == s.target_id) return false;  // attached twice (getTargets race)
    NavContext ctx{sid, s.target_id, s.target_type, "", "", std::string(str(t, "url")), 0};
    s.nav = std::make_unique<NavState>(ctx);
    auto& stored = sessions_.emplace(sid, std::move(s)).first->second;
    // Children (out-of-process iframes, workers) attach flattened too.
    command("Target.setAutoAttach", std::string(kAutoAttach), sid);
    // The document it shows already: answered before the events Runtime.enable replays.
    if (has_page_domain(stored.target_type))
        command(
            "Page.getFrameTree", {}, sid, [this, sid](bool ok, object result, std::string_view) {
                auto it = sessions_.find(sid);
                object tree, frame;
                if (!ok || it == sessions_.end() || result["frameTree"].get_object().get(tree) ||
                    tree["frame"].get_object().get(frame))
                    return;
                it->second.nav->adopt(std::string(str(frame, "id")),
                                      std::string(str(frame, "loaderId")),
                                      std::string(str(frame, "url")));
            });
    apply_domains(stored);
    // Only a target created under the capture waits for the debugger (auto-attach holds it
    // until its domains are on); tabs that existed when the capture began were not opened now.
    if (stored.target_type == "page" && capture_.page &&
        bool_or(params, "waitingForDebugger", false))
        emit_("page_tab_opened", context_object(ctx)
                                     .add("title", str(t, "title"))
                                     .add("opener_id", str(t, "openerId"))
                                     .finish());
    return true;
}

void BrowserSession::on_detached(object params) {
    const std::string sid(str(params, "sessionId"));
    std::erase_if(requests_, [&](const auto& kv) { return kv.second.session_id == sid; });
    sessions_.erase(sid);
    forget_commands(sid);
    abandon_screenshot(sid);
}

void BrowserSession::apply_domains(Session& s) {
    const unsigned want = domains_for(capture_, has_page_domain(s.target_type));
    const unsigned on = want & ~s.domains, off = s.domains & ~want;
    auto both = [&](unsigned d, std::string_view enable, std::string_view disable,
                    std::string params = {}) {
        if (on & d) command(enable, std::move(params), s.id);
        if (off & d) command(disable, {}, s.id);
    };
    both(kRuntime, "Runtime.enable", "Runtime.disable");
    both(kNetwork, "Network.enable", "Network.disable");
    both(kPage, "Page.enable", "Page.disable");
    both(kTimeline, "PerformanceTimeline.enable", "PerformanceTimeline.disable",
         R"({"eventTypes":["layout-shift","largest-contentful-paint"]})");
    if (on & kInteraction) {
        command("Runtime.addBinding", JsonObject().add("name", kBindingName).finish(), s.id);
        const std::string script = JsonObject().add("source", interaction_script()).finish();
        command("Page.addScriptToEvaluateOnNewDocument", script, s.id);
        // The document already loaded gets it now.
        command("Runtime.evaluate", JsonObject().add("expression", interaction_script()).finish(),
                s.id);
    }
    if (off & kInteraction)
        command("Runtime.removeBinding", JsonObject().add("name", kBindingName).finish(), s.id);
    s.domains = want;
}

void BrowserSession::on_session_event(Session& s, std::string_view method, object params,
                                      int64_t now) {
    const NavContext& ctx = s.nav->context();
    if (method == "Runtime.consoleAPICalled") {
        auto [type, data] = console_api_called(ctx, params);
        return emit_(type, std::move(data));
    }
    if (method == "Runtime.exceptionThrown") {
        emit_("console_error", exception_thrown(ctx, params));
        return screenshot(s, "Runtime.exceptionThrown", now);
    }
    if (method == "Runtime.bindingCalled") {
        if (str(params, "name") != kBindingName) return;
        auto ev = interaction_event(ctx, str(params, "payload"));
        if (ev && interactions_.allow(s.id + ev->first, now))
            emit_(ev->first, std::move(ev->second));
        return;
    }
    if (method.starts_with("Network.")) return on_network(s, method, params, now);
    on_page(s, method, params, now);
}

void BrowserSession::on_network(Session& s, std::string_view method, object params, int64_t now) {
    const std::string key = s.id + "/" + std::string(str(params, "requestId"));
    if (method == "Network.requestWillBeSent") {
        auto it = requests_.find(key);
        const bool redirect = it != requests_.end();
        std::string previous;
        if (redirect) previous = it->second.url;
        NavContext ctx = s.nav->context();
        if (redirect) ctx.nav_seq = it->second.nav_seq;
        // The main frame's document request precedes frameNavigated: it opens the next
        // navigation (a page target's id is its main frame's id).
        else if (str(params, "type") == "Document" && str(params, "frameId") == s.target_id)
            ++ctx.nav_seq;
        if (capture_.network)
            emit_("network_request", network_request(ctx, params, redirect ? &previous : nullptr));
        object req;
        if (params["request"].get_object().get(req)) return;
        RequestInfo& info = requests_[key];
        if (!redirect) {
            info.nav_seq = ctx.nav_seq;
            info.sent_timestamp = num_or(params, "timestamp", 0);
            info.started_ms = now;
            s.nav->request_started(key, now);
        }
        info.session_id = s.id;
        info.method = std::string(str(req, "method"));
        info.url = std::string(str(req, "url"));
        info.resource_type = std::string(str(params, "type"));
        info.frame_id = std::string(str(params, "frameId"));
        info.loader_id = std::string(str(params, "loaderId"));
        return;
    }
    auto it = requests_.find(key);
    if (method == "Network.responseReceived") {
        if (it != requests_.end()) response_received(it->second, params);
        return;
    }
    if (method == "Network.loadingFinished") {
        if (it == requests_.end()) return;
        RequestInfo info = std::move(it->second);
        requests_.erase(it);
        s.nav->request_finished(key, now);
        if (capture_.network)
            response_finished(s, std::move(info), std::string(str(params, "requestId")),
                              simdjson::minify(params));
        return;
    }
    if (method == "Network.loadingFailed") {
        const RequestInfo* info = it == requests_.end() ? nullptr : &it->second;
        if (capture_.network)
            emit_("network_loading_failed", loading_failed(s.nav->context(), params, info));
        if (info) {
            requests_.erase(it);
            s.nav->request_finished(key, now);
        }
    }
}

void BrowserSession::response_finished(Session& s, RequestInfo info, std::string request_id,
                                       std::string finished_json) {
    const size_t cap = body_cap(info.resource_type, info.mime_type);
    auto publish = [this, ctx = s.nav->context(), finished_json](
                       const RequestInfo& info, const std::optional<CapturedBody>& body) {
        simdjson::dom::parser p;  // the shared parser holds the message being dispatched
        object finished;
        if (p.parse(finished_json).get_object().get(finished)) return;
        emit_("network_response",
              network_response(ctx, info, finished, body ? &body->text : nullptr,
                               body && body->truncated));
    };
    if (!cap || !info.have_response) return publish(info, std::nullopt);
    command("Network.getResponseBody", target_params("requestId", request_id), s.id,
            [publish, info, cap](bool ok, object result, std::string_view) {
                std::optional<CapturedBody> body;
                if (ok) {
                    const bool b64 = bool_or(result, "base64Encoded", false);
                    body = capture_body(str(result, "body"), b64, cap);
                }
                publish(info, body);
            });
}

void BrowserSession::on_page(Session& s, std::string_view method, object params, int64_t now) {
    NavState& nav = *s.nav;
    if (method == "Page.frameNavigated") {
        object frame;
        if (params["frame"].get_object().get(frame)) return;
        const bool top = str(frame, "parentId").empty();
        // An out-of-process iframe's session shows one frame, whose id is its target id: its
        // navigations are that session's own (it has a parent in another process).
        if (top || str(frame, "id") == s.target_id) {
            nav.navigated(std::string(str(frame, "id")), std::string(str(frame, "loaderId")),
                          std::string(str(frame, "url")), now);
            // The document's own request was sent before the navigation committed.
            for (auto& [k, r] : requests_)
                if (r.session_id == s.id && r.loader_id == nav.context().loader_id)
                    r.nav_seq = nav.context().nav_seq;
        }
        if (capture_.page) emit_("page_navigation", page_navigation(nav.context(), frame, top));
        return;
    }
    if (method == "Page.domContentEventFired") {
        nav.dom_content_loaded(now);
        if (capture_.page)
            emit_("page_dom_content_loaded",
                  context_object(nav.context())
                      .add("cdp_timestamp", num_or(params, "timestamp", 0))
                      .finish());
        return emit_computed(s, now);
    }
    if (method == "Page.loadEventFired") {
        nav.loaded(now);
        if (capture_.page)
            emit_("page_load", context_object(nav.context())
                                   .add("cdp_timestamp", num_or(params, "timestamp", 0))
                                   .finish());
        if (s.target_type == "page") screenshot(s, "Page.loadEventFired", now);
        return;
    }
    if (method == "PerformanceTimeline.timelineEventAdded") {
        auto ev = timeline_event(nav.context(), params);
        if (!ev) return;
        if (ev->first == "page_layout_shift") nav.layout_shift(now);
        if (capture_.page) emit_(ev->first, std::move(ev->second));
    }
}

void BrowserSession::screenshot(Session& s, std::string_view trigger, int64_t now) {
    const auto interval = static_cast<int64_t>(opts_.screenshot_interval * 1000);
    if (!capture_.screenshot || screenshot_in_flight_ || now - last_screenshot_ms_ < interval ||
        !has_page_domain(s.target_type))
        return;
    screenshot_in_flight_ = true;
    last_screenshot_ms_ = now;
    screenshot_sid_ = s.id;
    auto job = std::make_shared<ShotJob>(ShotJob{s.id, s.nav->context(), std::string(trigger)});
    job->generation = ++screenshot_generation_;
    capture_screenshot(std::move(job));
}

void BrowserSession::capture_screenshot(std::shared_ptr<ShotJob> job) {
    std::string params = R"({"format":"png"})";
    if (job->scale < 1)
        params = fmt::format(
            R"({{"format":"png","clip":{{"x":{},"y":{},"width":{},"height":{},"scale":{}}}}})",
            job->x, job->y, job->width, job->height, job->scale);
    command(
        "Page.captureScreenshot", params, job->sid,
        [this, job](bool ok, object result, std::string_view err) {
            if (job->generation != screenshot_generation_) return;
            const std::string_view png = ok ? str(result, "data") : std::string_view();
            if (!ok || png.empty()) return screenshot_done(*job, fmt::format("failed: {}", err));
            const size_t bytes = base64_decoded_size(png);
            if (bytes <= opts_.screenshot_max_bytes) {
                emit_("monitor_screenshot", context_object(job->ctx)
                                                .add("png", png)
                                                .add("trigger", job->trigger)
                                                .add("bytes", static_cast<uint64_t>(bytes))
                                                .finish());
                return screenshot_done(*job, {});
            }
            if (job->scale <= kMinScreenshotScale)
                return screenshot_done(
                    *job, fmt::format("of {} bytes still over the cap at scale {}, not published",
                                      bytes, job->scale));
            if (job->width > 0) {
                job->scale /= 2;
                return capture_screenshot(job);
            }
            // Over the cap at full size: learn the viewport, then halve the scale.
            command("Page.getLayoutMetrics", {}, job->sid,
                    [this, job](bool ok, object result, std::string_view err) {
                        if (job->generation != screenshot_generation_) return;
                        object vp;
                        if (!ok || result["cssVisualViewport"].get_object().get(vp))
                            return screenshot_done(*job, fmt::format("no layout metrics: {}", err));
                        job->x = num_or(vp, "pageX", 0);
                        job->y = num_or(vp, "pageY", 0);
                        job->width = num_or(vp, "clientWidth", 0);
                        job->height = num_or(vp, "clientHeight", 0);
                        if (job->width <= 0 || job->height <= 0)
                            return screenshot_done(*job, "empty viewport");
                        job->scale = 0.5;
                        capture_screenshot(job);
                    });
        });
}

void BrowserSession::abandon_screenshot(const std::string& sid) {
    if (!screenshot_in_flight_ || (!sid.empty() && sid != screenshot_sid_)) return;
    ++screenshot_generation_;
    screenshot_in_flight_ = false;
}

void BrowserSession::screenshot_done(const ShotJob& job, const std::string& problem) {
    if (job.generation != screenshot_generation_) return;
    screenshot_in_flight_ = false;
    if (!problem.empty()) opts_.log(fmt::format("screenshot {}", problem));
}

void BrowserSession::emit_computed(Session& s, int64_t now) {
    if (s.target_type != "page") return;  // iframes and workers have no computed events
    for (const Computed& c : s.nav->poll(now)) {
        const NavContext& ctx = s.nav->context();
        switch (c.kind) {
            case Computed::Kind::network_idle:
                if (capture_.network || capture_.page)
                    emit_("network_idle", context_object(ctx).finish());
                break;
            case Computed::Kind::layout_settled:
                if (capture_.page) emit_("page_layout_settled", context_object(ctx).finish());
                break;
            case Computed::Kind::navigation_settled:
                if (capture_.page)
                    emit_("page_navigation_settled",
                          context_object(ctx)
                              .add("dom_content_loaded", c.dom_content_loaded)
                              .add("load", c.load)
                              .add("layout_settled", c.layout_settled)
                              .add("network_idle", c.network_idle)
                              .add("requests_ignored", c.requests_ignored)
                              .add("reason", c.reason)
                              .finish());
                break;
        }
    }
}

void BrowserSession::sweep_requests(int64_t now) {
    if (now - last_sweep_ms_ < kRequestSweepMs) return;
    last_sweep_ms_ = now;
    std::erase_if(requests_, [&](const auto& kv) {
        if (now - kv.second.started_ms < kRequestTtlMs) return false;
        // Counts as finished for network idle, as a loadingFinished would.
        if (auto s = sessions_.find(kv.second.session_id); s != sessions_.end())
            s->second.nav->request_finished(kv.first, now);
        return true;
    });
}

void BrowserSession::on_timer(int64_t now) {
    sweep_requests(now);
    expire_replies(now);
    probe(now);
    if (renderers_due_ms_ && now >= renderers_due_ms_) {
        renderers_due_ms_ = 0;
        refresh_renderers();
    }
    for (auto& [id, s] : sessions_) emit_computed(s, now);
    for (HeldCrash& c : crashes_.due(now))
        emit_at_("page_crashed", CrashTracker::data(c), std::move(c.ts));
}

std::optional<int64_t> BrowserSession::next_deadline(int64_t now) const {
    std::optional<int64_t> d = crashes_.next_deadline();
    auto take = [&](std::optional<int64_t> t) {
        if (t) d = d ? std::min(*d, *t) : *t;
    };
    take(pending_.next_deadline());
    if (renderers_due_ms_) take(renderers_due_ms_);
    take(probe_sent_ms_ ? probe_sent_ms_ + kUnresponsiveMs : last_heard_ms_ + kProbeIdleMs);
    for (const auto& [id, s] : sessions_)
        if (s.target_type == "page")
            if (auto t = s.nav->next_deadline(now)) d = d ? std::min(*d, *t) : *t;
    return d;
}

void BrowserSession::flush(int64_t now) {
    for (HeldCrash& c : crashes_.due(now, true))
        emit_at_("page_crashed", CrashTracker::data(c), std::move(c.ts));
}

}  // namespace faultline::monitor
