#include "monitor/interaction.hpp"

#include <simdjson.h>

#include "monitor/body_capture.hpp"
#include "monitor/cdp_events.hpp"

namespace faultline::monitor {

std::string_view interaction_script() {
    return R"JS((() => {
  if (window.__faultlineInjected || typeof window.__faultlineEvent !== 'function') return;
  window.__faultlineInjected = true;
  const send = window.__faultlineEvent;
  const SENSITIVE_AC = /(^|\s)(current-password|new-password|one-time-code|cc-[a-z-]+|transaction-amount|ssn|passport|drivers-license)(\s|$)/i;
  const SENSITIVE_NAME = /passw|passwd|secret|cvv|cvc|ssn|card.?num|account.?num|pin\b|tax.?id|natl.?id|otp|iban/i;
  const named = (el) => SENSITIVE_NAME.test((el.id || '') + ' ' + (el.getAttribute('name') || '') + ' ' + (el.getAttribute('aria-label') || ''));
  const editable = (el) => el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.isContentEditable || el.getAttribute('role') === 'textbox';
  const sensitiveOne = (el) => {
    if (editable(el)) {
      const type = (el.getAttribute('type') || '').toLowerCase();
      if (type === 'password') return true;
      if (SENSITIVE_AC.test(el.getAttribute('autocomplete') || '')) return true;
      if (/^(tel|number)$/.test(type) && /one-time|otp|code|pin/i.test(el.getAttribute('inputmode') + (el.getAttribute('name') || ''))) return true;
    }
    return named(el);
  };
  // The element or its ancestors, across shadow boundaries (a field inside a shadow root of a
  // "card-number" widget is as sensitive as the widget).
  const up = (el) => el.parentElement || (el.parentNode instanceof ShadowRoot ? el.parentNode.host : null);
  const sensitive = (el) => {
    for (let n = el; n; n = up(n)) if (sensitiveOne(n)) return true;
    return false;
  };
  // e.target is retargeted to the shadow host; the composed path's first element is the real
  // one (inside open shadow roots). A custom element whose focused field sits in a closed
  // shadow root shows only itself: its keys are not reported.
  const targetOf = (e) => {
    const path = e.composedPath ? e.composedPath() : [];
    for (const n of path) if (n && n.nodeType === 1) return n;
    return e.target && e.target.nodeType === 1 ? e.target : null;
  };
  const opaque = (el) => el.tagName.includes('-') && !el.shadowRoot && !editable(el);
  const selector = (el) => el && el.id ? '#' + el.id : (el && el.classList && el.classList.length ? '.' + el.classList[0] : '');
  const ownText = (el) => {
    let t = '';
    for (const n of el.childNodes) if (n.nodeType === 3) t += n.textContent;
    return t.trim().slice(0, 100);
  };
  const post = (o) => { try { send(JSON.stringify(o)); } catch (e) {} };
  document.addEventListener('click', (e) => {
    const el = targetOf(e);
    if (!el) return;
    post({type: 'interaction_click', x: Math.round(e.clientX), y: Math.round(e.clientY), selector: selector(el), tag: el.tagName, text: sensitive(el) ? '' : ownText(el)});
  }, true);
  document.addEventListener('keydown', (e) => {
    const el = targetOf(e);
    if (!el || sensitive(el) || opaque(el)) return;
    post({type: 'interaction_key', key: e.key, selector: selector(el), tag: el.tagName});
  }, true);
  // Where each scroller last came to rest (the scroll event fires after the move, so the
  // start position must be remembered from before).
  const rest = new Map([[document, [window.scrollX, window.scrollY]]]);
  const timers = new Map();
  const pos = (t) => t === document ? [window.scrollX, window.scrollY] : [t.scrollLeft, t.scrollTop];
  document.addEventListener('scroll', (e) => {
    const t = e.target;
    clearTimeout(timers.get(t));
    timers.set(t, setTimeout(() => {
      timers.delete(t);
      const from = rest.get(t) || [0, 0], to = pos(t);
      rest.set(t, to);
      if (Math.abs(to[0] - from[0]) > 5 || Math.abs(to[1] - from[1]) > 5)
        post({type: 'interaction_scroll_settled', from_x: Math.round(from[0]), from_y: Math.round(from[1]), to_x: Math.round(to[0]), to_y: Math.round(to[1]), target_selector: t === document ? 'document' : selector(t)});
    }, 300));
  }, true);
})();)JS";
}

namespace {

// The fields each type may carry: name and whether it is an integer (else a string).
struct Allowed {
    std::string_view name;
    bool integer;
};
constexpr Allowed kClick[] = {
    {"x", true}, {"y", true}, {"selector", false}, {"tag", false}, {"text", false}};
constexpr Allowed kKey[] = {{"key", false}, {"selector", false}, {"tag", false}};
constexpr Allowed kScroll[] = {
    {"from_x", true}, {"from_y", true}, {"to_x", true}, {"to_y", true}, {"target_selector", false}};

}  // namespace

std::optional<std::pair<std::string, std::string>> interaction_event(const NavContext& c,
                                                                     std::string_view payload) {
    if (payload.empty() || payload.size() > 4096) return std::nullopt;  // empty: maybe no data()
    simdjson::dom::parser parser;
    simdjson::dom::object o;
    if (parser.parse(payload.data(), payload.size()).get_object().get(o)) return std::nullopt;
    const std::string type(str(o, "type"));
    std::span<const Allowed> fields;
    if (type == "interaction_click")
        fields = kClick;
    else if (type == "interaction_key")
        fields = kKey;
    else if (type == "interaction_scroll_settled")
        fields = kScroll;
    else
        return std::nullopt;
    JsonObject out = context_object(c);  // identity from the monitor, never from the page
    for (const auto& f : fields) {
        if (f.integer) {
            int64_t v;
            double d;
            if (!o[f.name].get_int64().get(v))
                out.add(f.name, v);
            else if (!o[f.name].get_double().get(d))
                out.add(f.name, static_cast<int64_t>(d));
            else
                return std::nullopt;
        } else {
            std::string_view s;
            if (o[f.name].get_string().get(s)) return std::nullopt;
            out.add(f.name, cut_utf8(s, 200));
        }
    }
    return std::pair{type, out.finish()};
}

bool RateLimiter::allow(const std::string& key, int64_t now_ms) {
    auto [it, fresh] = last_.emplace(key, now_ms);
    if (fresh) return true;
    if (now_ms - it->second < interval_) return false;
    it->second = now_ms;
    return true;
}

}  // namespace faultline::monitor
