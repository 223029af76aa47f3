// faultline's live page: the hub's event stream as a timeline (newest first) under a chart of
// the VM's memory. One origin only (the hub); no libraries. Served by hub/http/page_route.
'use strict';
(() => {
  const ROW = 22;            // px, one timeline line (matches --row in style.css)
  // The hub writes the stream at most every BATCH_MS (?batch_ms): a flood of events reaches the
  // page, and is drawn, twice a second, not once per event (the page may share the VM's cores).
  const BATCH_MS = 500;
  const PAGE = 500;          // events per JSON page
  const GAP_MS = 15000;      // samples further apart than this: the line breaks there
  const HOUR = 3600e3;

  // ---- the hub's API, with the token of ?token= carried as a bearer header
  const token = new URLSearchParams(location.search).get('token');
  const auth = token ? { Authorization: `Bearer ${token}` } : {};
  async function api(path) {
    const res = await fetch(path, { headers: auth, cache: 'no-store' });
    if (!res.ok) throw Object.assign(new Error(`${path}: HTTP ${res.status}`), { status: res.status });
    return res.json();
  }

  // ---- human units (the wording of core/tools/units.hpp and event_summary.hpp)
  const fmtKiB = (k) => {
    if (!Number.isFinite(k)) return '?';
    if (k < 0) return `-${fmtKiB(-k)}`;
    if (k < 1024) return `${k.toFixed(0)} KiB`;
    const m = k / 1024;
    if (m < 10) return `${m.toFixed(1)} MiB`;
    if (m < 1024) return `${m.toFixed(0)} MiB`;
    return `${(m / 1024).toFixed(1)} GiB`;
  };
  const fmtS = (s) => {
    if (!Number.isFinite(s)) return '?';
    if (s < 0) return `-${fmtS(-s)}`;
    if (s < 1) return `${(s * 1000).toFixed(0)} ms`;
    if (s < 10) return `${s.toFixed(1)} s`;
    if (s < 60) return `${s.toFixed(0)} s`;
    if (s < 3600) return `${(s / 60).toFixed(0)} min`;
    return `${(s / 3600).toFixed(1)} h`;
  };
  const fmtMs = (ms) => fmtS(ms / 1000);
  const ago = (ms) => {
    const s = (Date.now() - ms) / 1000;
    if (s < 5) return 'just now';
    if (s < 60) return `${s.toFixed(0)} s ago`;
    if (s < 3600) return `${Math.round(s / 60)} min ago`;
    if (s < 86400) return `${(s / 3600).toFixed(1)} h ago`;
    return `${Math.round(s / 86400)} d ago`;
  };
  // One formatter for every row and tick (toLocaleTimeString builds a new one per call).
  const clockFmt = new Intl.DateTimeFormat([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
  const clock = (ms) => clockFmt.format(ms);
  // Date.parse wants at most millisecond digits; the hub writes nanoseconds.
  const tsMs = (ts) => Date.parse(String(ts).replace(/(\.\d{3})\d*/, '$1'));
  const cut = (s, n) => { s = String(s ?? ''); return s.length > n ? `${s.slice(0, n - 1)}…` : s; };
  // A URL cut to fit; a data: URL (a whole document inline) only to its start.
  const url = (u) => cut(u, String(u ?? '').startsWith('data:') ? 40 : 80);

  // One line of the fields a person wants first, per event type.
  function summary(ev) {
    const d = ev.data || {};
    const p = [];
    const add = (v) => { if (v !== undefined && v !== null && v !== '') p.push(String(v)); };
    const t = ev.type;
    if (t === 'system_oom_kill') {
      add(d.pid !== undefined ? `pid ${d.pid}` : '');
      add(d.process_name ? `(${cut(d.process_name, 40)})` : '');
      const rss = ['anon_rss_kb', 'file_rss_kb', 'shmem_rss_kb'].filter((k) => typeof d[k] === 'number');
      if (rss.length) add(`rss ${fmtKiB(rss.reduce((a, k) => a + d[k], 0))}`);
      const memcg = [d.oom_memcg, d.task_memcg, d.cgroup].find((m) => m && m !== '/');
      if (memcg) add(`memcg ${cut(memcg, 60)}`);
      if (d.detected_by && d.detected_by !== 'kmsg') add(`detected_by ${d.detected_by}`);
    } else if (t === 'memory_pressure') {
      add(d.previous_level && d.level ? `${d.previous_level} -> ${d.level}` : d.level);
      if (Array.isArray(d.reasons) && d.reasons.length) add(`(${d.reasons.join(',')})`);
      if (typeof d.mem_available_kb === 'number')
        add(`avail ${fmtKiB(d.mem_available_kb)}${typeof d.mem_total_kb === 'number' ? ` of ${fmtKiB(d.mem_total_kb)}` : ''}`);
      if (d.swap_total_kb > 0) add(`swap free ${fmtKiB(d.swap_free_kb)} of ${fmtKiB(d.swap_total_kb)}`);
      if (typeof d.eta_seconds === 'number') add(`eta ${fmtS(d.eta_seconds)}`);
      if (typeof d.psi_some_avg10 === 'number')
        add(typeof d.psi_full_avg10 === 'number' ? `psi ${d.psi_some_avg10.toFixed(1)}/${d.psi_full_avg10.toFixed(1)}%` : `psi ${d.psi_some_avg10.toFixed(1)}%`);
      if (d.scope === 'cgroup' && d.cgroup) add(`cgroup ${cut(d.cgroup, 60)}`);
    } else if (t === 'page_crashed') {
      add(url(d.url)); add(d.status);
      if (d.renderer_pid !== undefined && d.renderer_pid !== null) add(`renderer pid ${d.renderer_pid}`);
    } else if (t === 'events_dropped') {
      add(d.count !== undefined ? `${d.count} events` : ''); add(d.reason);
    } else if (t === 'service_crashed') {
      add(d.group_name && d.group_name !== d.service_name ? `${d.group_name}:${d.service_name}` : d.service_name);
      add(d.pid !== undefined ? `pid ${d.pid}` : ''); add(d.from_state ? `from ${d.from_state}` : '');
      if (d.fatal) add('FATAL (gave up restarting)');
    } else if (t === 'capture_session_started') {
      add((d.categories || []).join(',')); add(d.capture_session_id ? `capture ${cut(d.capture_session_id, 9)}` : '');
    } else if (t === 'session_ended') {
      add(d.events_captured !== undefined ? `${d.events_captured} events` : '');
      add(typeof d.duration_ms === 'number' ? `in ${fmtMs(d.duration_ms)}` : '');
    } else if (t === 'cdp_connect') {
      add(d.target); add(d.client_addr ? `from ${d.client_addr}` : ''); add(d.connection_id ? `conn ${cut(d.connection_id, 12)}` : '');
    } else if (t.startsWith('cdp_')) {
      add(d.method); add(d.reason); add(d.close_code !== undefined && d.close_code !== null ? `close ${d.close_code}` : '');
      add(typeof d.duration_ms === 'number' ? `${t === 'cdp_command' ? '' : 'after '}${fmtMs(d.duration_ms)}` : '');
      add(d.connection_id ? `conn ${cut(d.connection_id, 12)}` : '');
    } else if (t.startsWith('network_') && t !== 'network_idle') {
      if (t === 'network_loading_failed') { add(d.error_text); if (d.canceled) add('(canceled)'); }
      add(d.method); add(d.status); add(url(d.url));
      if (typeof d.duration_ms === 'number') add(fmtMs(d.duration_ms));
    } else if (t.startsWith('console_')) {
      add(d.level); add(cut(d.text, 120));
    } else if (t.startsWith('page_') || t === 'network_idle') {
      add(url(d.url)); if (d.title) add(`"${cut(d.title, 40)}"`);
    } else {
      for (const [k, v] of Object.entries(d)) if (v !== null && typeof v !== 'object') add(`${k}=${cut(v, 40)}`);
    }
    return p.join(' ');
  }

  // ---- the model: every event by seq (never twice), drop notices by their SSE id
  const events = new Map();        // seq -> event
  const items = [];                // events and gaps, oldest first (key ascending): live ones append
  const charted = [];              // the chart's bands and spans (pressure, captures), by seq: 2 h
  const types = new Set();
  const crashOf = new Map();       // system_oom_kill seq -> the page_crashed linked to it
  let oldestLoaded = Infinity;     // lowest seq the JSON pages have reached
  let reachedStart = false;
  let lastSeq = 0;                 // highest seq seen: the stream resumes after it
  let dirty = true;                // the view must be filtered again from all items
  const fresh = [];                // items that arrived at the head since the last render
  // At most HOLD events are held: past HOLD + TRIM the oldest go (they load again on scroll,
  // like any older page), so a page left open on a busy hub does not grow without end.
  const HOLD = 50000, TRIM = 5000;

  // Index of the first element of the ascending array a whose key(x) is not below k.
  function lowerBound(a, k, key) {
    let lo = 0, hi = a.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (key(a[mid]) < k) lo = mid + 1; else hi = mid; }
    return lo;
  }
  function insert(item) {
    const lo = lowerBound(items, item.key, (it) => it.key);
    if (items[lo] && items[lo].key === item.key) return false;
    // A live event is the newest: appended, and the view grows by it alone (no refilter).
    if (lo === items.length) { items.push(item); if (!dirty) fresh.push(item); return true; }
    items.splice(lo, 0, item);
    dirty = true;
    return true;
  }
  function addEvent(ev, live) {
    if (ev.type === 'events_dropped' && !(ev.seq > 0)) return addGap(ev);
    if (!(ev.seq > 0) || events.has(ev.seq)) return;
    events.set(ev.seq, ev);
    ev.ms = tsMs(ev.ts);
    if (live) ev.shownAt = performance.now();
    insert({ key: ev.seq, ev });
    // The way back from an OOM kill: the hub sets page_crashed_seq only when the crash came first.
    if (ev.type === 'page_crashed' && ev.data && ev.data.oom_kill_seq) crashOf.set(ev.data.oom_kill_seq, ev.seq);
    if (!types.has(ev.type)) { types.add(ev.type); typeOptions(); }
    if (ev.seq > lastSeq) lastSeq = ev.seq;
    const kind = MARKS[ev.type];
    if (!(kind || CHARTED.has(ev.type)) || !charts(ev, Date.now())) return;
    if (kind) mark(ev, kind);
    else {
      const at = lowerBound(charted, ev.seq, (e) => e.seq);
      // Already there when it was trimmed from the timeline and loaded again.
      if (charted[at]?.seq === ev.seq) return;
      if (at === charted.length) charted.push(ev); else charted.splice(at, 0, ev);
      chartDirty = true;
    }
  }
  // The chart's markers: one per kind and second, with the count of its events, so that a flood
  // of one kind (1,000 crashes a second) keeps neither its events alive nor the chart busy, and
  // never pushes an OOM kill out. lo..hi are the seqs it counted: the page loads one unbroken
  // run of seqs (the newest page, then live, then older pages), so an event of that kind and
  // second within lo..hi was counted before (trimmed from the timeline and loaded again).
  const MARKS = { system_oom_kill: 'oom', service_crashed: 'svc', page_crashed: 'page', cdp_disconnect: 'cdp' };
  const marks = new Map();         // `${kind}:${second}` -> { kind, ms, ev (its first), count, lo, hi }
  function mark(ev, kind) {
    const key = `${kind}:${Math.floor(ev.ms / 1000)}`, m = marks.get(key);
    if (!m) marks.set(key, { kind, ms: ev.ms, ev, count: 1, lo: ev.seq, hi: ev.seq });
    else if (ev.seq >= m.lo && ev.seq <= m.hi) return;
    else Object.assign(m, { count: m.count + 1, lo: Math.min(m.lo, ev.seq), hi: Math.max(m.hi, ev.seq) });
    chartDirty = true;
  }
  // Whether the chart can still show ev: markers() skips what is over an hour before the
  // axis, which starts at most an hour ago.
  const charts = (ev, now) => ev.ms >= now - 2 * HOUR;
  // Drops from the chart's lists what it can no longer show, once a minute.
  let forgotAt = 0;
  function forgetOld(now) {
    if (now - forgotAt < 60e3) return;
    forgotAt = now;
    let j = 0;
    for (const ev of charted) if (charts(ev, now)) charted[j++] = ev;
    charted.length = j;
    for (const [key, m] of marks) if (!charts(m, now)) marks.delete(key);
  }
  const CHARTED = new Set(['memory_pressure', 'capture_session_started', 'session_ended']);
  // An event's line and what the text filter searches, made when first needed (most events of
  // a flood are never drawn nor searched).
  function textOf(ev) {
    if (ev.text === undefined) ev.text = summary(ev);
    return ev.text;
  }
  function searchOf(ev) {
    if (ev.search === undefined)
      ev.search = `${ev.seq} ${ev.type} ${textOf(ev)} ${ev.source ? ev.source.host || '' : ''}`.toLowerCase();
    return ev.search;
  }
  // A notice of events this reader missed: a visible gap with the exact count.
  function addGap(ev, id) {
    const d = ev.data || {};
    const last = id || d.to_seq || (d.from_seq + d.count - 1) || 0;
    const key = last + 0.5;  // just after the last missed seq
    if (items.some((it) => it.gap && it.key === key)) return;
    ev.text = summary(ev);
    insert({ key, gap: true, ev });
  }

  // ---- filters
  const $ = (id) => document.getElementById(id);
  const fCat = $('f-cat'), fType = $('f-type'), fText = $('f-text');
  for (const c of ['system', 'cdp', 'page', 'network', 'console', 'interaction', 'screenshot', 'monitor',
    'connection', 'captcha', 'control']) fCat.add(new Option(c, c));
  function typeOptions() {
    const keep = fType.value;
    fType.length = 1;
    for (const t of [...types].sort()) fType.add(new Option(t, t));
    fType.value = keep;
  }
  let view = [];
  // The filter as it stands, read from the inputs once per pass (not once per row).
  function currentFilter() {
    return { cat: fCat.value, type: fType.value, q: fText.value.trim().toLowerCase() };
  }
  function matches(it, f = currentFilter()) {
    if (it.gap) return true;  // a gap is never filtered away: the reader missed those events
    const ev = it.ev;
    if (f.cat && ev.category !== f.cat) return false;
    if (f.type && ev.type !== f.type) return false;
    return !f.q || searchOf(ev).includes(f.q);
  }
  for (const el of [fCat, fType, fText]) el.addEventListener('input', () => { dirty = true; schedule(); });

  // ---- the virtual list: only the rows in sight exist in the DOM
  const list = $('list'), spacer = $('spacer'), rowsEl = $('rows');
  let selected = null;
  const catClass = (c) => (['system', 'cdp', 'page', 'network', 'console', 'interaction', 'screenshot', 'monitor'].includes(c) ? `c-${c}` : 'c-other');
  function rowHtml(it) {
    const ev = it.ev;
    const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]));
    if (it.gap) {
      const d = ev.data || {};
      return `<span class="t"></span><span class="seq"></span>⚠ gap: ${esc(d.count ?? '?')} events dropped` +
        ` (${esc(d.reason || 'unknown')})${d.from_seq ? ` from #${esc(d.from_seq)}` : ''}`;
    }
    const d = ev.data || {};
    let link = '';
    if (ev.type === 'page_crashed' && d.oom_kill_seq) {
      const oom = events.get(d.oom_kill_seq);
      link = `<a href="#" data-seq="${+d.oom_kill_seq}">→ OOM kill #${+d.oom_kill_seq}${oom ? ` (${esc(oom.data.process_name || '')})` : ''}</a>`;
    } else if (ev.type === 'system_oom_kill' && (d.page_crashed_seq || crashOf.has(ev.seq))) {
      const crash = +(d.page_crashed_seq || crashOf.get(ev.seq));
      link = `<a href="#" data-seq="${crash}">→ page_crashed #${crash}</a>`;
    }
    return `<span class="t" title="${esc(ev.ts)}">${esc(clock(ev.ms))} · ${esc(ago(ev.ms))}</span>` +
      `<span class="seq">#${ev.seq}</span><span class="ty ${catClass(ev.category)}">${esc(ev.type)}</span>` +
      `${link} ${esc(textOf(ev))}`;
  }
  // view is oldest first like items; row i from the top shows view[view.length - 1 - i].
  const AGO_MS = 5000;  // how often a row's "3 min ago" is redone
  let rowsShape = '', rowsAt = 0;
  function render() {
    // Read the geometry before changing the DOM: a read after a change would force a layout
    // of its own, on top of the frame's.
    const top = list.scrollTop, height = list.clientHeight;
    trim(top, height);
    const changed = dirty || fresh.length > 0;
    if (changed) {
      const f = currentFilter();
      if (dirty) view = items.filter((it) => matches(it, f));
      else for (const it of fresh) if (matches(it, f)) view.push(it);
      dirty = false;
      fresh.length = 0;
      counted();
    }
    const first = Math.max(0, Math.floor(top / ROW) - 10);
    const last = Math.min(view.length, Math.ceil((top + height) / ROW) + 10);
    // The bottom in sight: fetch older events.
    if (last >= view.length - 5 && !reachedStart) loadOlder();
    // No event came and the same rows are in sight (a frame for the chart alone): leave them
    // be, unless their "3 min ago" is due.
    const shape = `${first}:${last}:${selected}`;
    if (!changed && shape === rowsShape && performance.now() - rowsAt < AGO_MS) return;
    rowsShape = shape;
    rowsAt = performance.now();
    const html = [];
    for (let i = first; i < last; i++) {
      const it = view[view.length - 1 - i];
      const cls = it.gap ? 'row gap' : `row${selected === it.key ? ' sel' : ''}`;
      html.push(`<div class="${cls}" data-key="${it.key}" style="top:${i * ROW}px">${rowHtml(it)}</div>`);
    }
    rowsEl.innerHTML = html.join('');
    if (!view.length) rowsEl.innerHTML = `<div class="empty">${events.size ? 'no event matches the filter' : 'no events yet'}</div>`;
  }
  // Drops the oldest events beyond HOLD (and the gaps among them) from the model and the view,
  // unless rows that would go are in sight or within a page of it (scrolled down to the oldest,
  // they would only load again). The chart keeps its own list.
  function trim(top, height) {
    if (loading || events.size <= HOLD + TRIM) return;
    let k = 0;
    for (let n = events.size - HOLD; n > 0; k++) if (!items[k].gap) n--;
    while (items[k].gap) k++;  // a gap just before the oldest kept event goes too
    const gone = lowerBound(view, items[k].key, (it) => it.key);  // the view's oldest rows
    if (gone > view.length - Math.ceil((top + height) / ROW) - PAGE) return;
    for (let i = 0; i < k; i++) if (!items[i].gap) events.delete(items[i].key);
    items.splice(0, k);
    view.splice(0, gone);
    oldestLoaded = items[0].key;
    reachedStart = false;
    counted();
  }
  function counted() {
    spacer.style.height = `${view.length * ROW}px`;
    $('count').textContent = `${view.length} of ${events.size} events`;
  }
  // The chart redraws at most once a CHART_MS (its axis spans minutes; each redraw walks every
  // charted event), the rows on every scheduled frame that changes them.
  const CHART_MS = 1000;
  let pending = false, chartAt = -Infinity, chartTimer = 0;
  function schedule() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; render(); if (chartDirty) chartSoon(); });
  }
  function chartSoon() {
    const wait = chartAt + CHART_MS - performance.now();
    if (wait <= 0) {
      clearTimeout(chartTimer);
      chartTimer = 0;
      chartAt = performance.now();
      drawChart();
      return;
    }
    // While events flow, the next batch's frame draws it; this frame is for when none comes.
    if (!chartTimer) chartTimer = setTimeout(() => { chartTimer = 0; schedule(); }, wait + BATCH_MS);
  }
  list.addEventListener('scroll', schedule, { passive: true });
  window.addEventListener('resize', () => { chartDirty = true; schedule(); });
  setInterval(() => { chartDirty = true; schedule(); }, AGO_MS);  // "3 min ago" and the chart's now

  rowsEl.addEventListener('click', (e) => {
    const a = e.target.closest('a[data-seq]');
    if (a) { e.preventDefault(); jumpTo(+a.dataset.seq); return; }
    const row = e.target.closest('.row');
    if (!row) return;
    const it = items.find((x) => String(x.key) === row.dataset.key);
    if (it) openDetail(it);
  });
  function openDetail(it) {
    selected = it.key;
    $('detail-title').textContent = it.gap ? 'events_dropped' : `#${it.ev.seq} ${it.ev.type}`;
    const ev = { ...it.ev };
    for (const k of ['ms', 'text', 'search', 'shownAt']) delete ev[k];
    $('detail-json').textContent = JSON.stringify(ev, null, 2);
    $('detail').hidden = false;
    schedule();
  }
  $('detail-close').addEventListener('click', () => { $('detail').hidden = true; selected = null; schedule(); });
  document.addEventListener('keydown', (e) => { if (e.key === 'Escape') $('detail-close').click(); });

  // Follows a correlation (page_crashed <-> system_oom_kill): loads the event when it is not
  // here yet, clears filters that hide it, scrolls to it and opens it.
  async function jumpTo(seq) {
    if (!events.has(seq)) {
      try {
        const page = await api(`/telemetry/events?since=${seq - 1}&limit=1`);
        for (const ev of page.events) addEvent(ev, false);
      } catch (e) { console.warn(String(e)); }
    }
    if (!events.has(seq)) return;
    const it = items.find((x) => !x.gap && x.key === seq);
    if (!matches(it)) { fCat.value = ''; fType.value = ''; fText.value = ''; dirty = true; }
    render();
    const i = view.length - 1 - view.indexOf(it);
    list.scrollTop = Math.max(0, i * ROW - list.clientHeight / 3);
    openDetail(it);
  }

  // ---- older events: the JSON page API, going back from the oldest loaded
  let loading = false;
  async function loadOlder() {
    if (loading || reachedStart || oldestLoaded === Infinity) return;
    loading = true;
    try {
      const since = Math.max(0, oldestLoaded - 1 - PAGE);
      const page = await api(`/telemetry/events?since=${since}&limit=${PAGE}`);
      for (const ev of page.events) addEvent(ev, false);
      oldestLoaded = since + 1;
      if (since === 0) reachedStart = true;
      schedule();
    } catch (e) { console.warn(String(e)); } finally { loading = false; }
  }

  // ---- live: the SSE stream read with fetch (so the token rides in a header and every event
  // type, named by the hub in `event:`, arrives in one place). Reconnects with Last-Event-ID.
  const conn = $('conn');
  function status(text, cls) { conn.textContent = text; conn.className = `conn ${cls}`; }
  async function follow() {
    for (;;) {
      try {
        const res = await fetch(`/telemetry/stream?since=${lastSeq}&batch_ms=${BATCH_MS}`, {
          headers: { ...auth, Accept: 'text/event-stream', 'Last-Event-ID': String(lastSeq) }, cache: 'no-store',
        });
        if (!res.ok) throw new Error(`stream: HTTP ${res.status}`);
        status('live', 'live');
        const reader = res.body.getReader();
        const utf8 = new TextDecoder();
        let buf = '', cr = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          // Line ends as SSE allows (CRLF, CR, LF) become LF; a CR at a chunk's end waits for
          // the next chunk (it may be half of a CRLF).
          let text = cr + utf8.decode(value, { stream: true });
          cr = text.endsWith('\r') ? '\r' : '';
          if (cr) text = text.slice(0, -1);
          buf += text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
          let start = 0, end;
          while ((end = buf.indexOf('\n\n', start)) >= 0) {
            onFrame(buf.slice(start, end));
            start = end + 2;
          }
          if (start) { buf = buf.slice(start); schedule(); }
        }
        throw new Error('stream ended');
      } catch (e) {
        status(`reconnecting after #${lastSeq}…`, 'down');
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }
  function onFrame(frame) {
    let id = null, type = 'message';
    const data = [];
    for (const line of frame.split('\n')) {
      if (!line || line.startsWith(':')) continue;
      const i = line.indexOf(':');
      const field = i < 0 ? line : line.slice(0, i);
      const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
      if (field === 'id') id = value; else if (field === 'event') type = value; else if (field === 'data') data.push(value);
    }
    if (!data.length) return;
    let ev;
    try { ev = JSON.parse(data.join('\n')); } catch { return; }
    if (type === 'events_dropped' && !(ev.seq > 0)) {
      addGap(ev, Number(id));
      if (Number(id) > lastSeq) lastSeq = Number(id);  // resume after what was missed
    } else {
      addEvent(ev, true);
    }
    if (oldestLoaded === Infinity && ev.seq > 0) oldestLoaded = ev.seq;
  }

  // ---- the memory chart
  const canvas = $('chart'), tip = $('tip');
  let samples = [];               // contract: /telemetry/samples, oldest first
  let samplesRoute = true;
  let chartDirty = true;
  let lastSampleMs = 0;
  let geometry = null;
  async function pollSamples() {
    if (!samplesRoute) return;
    try {
      const body = await api(`/telemetry/samples${lastSampleMs ? `?since_ms=${lastSampleMs}` : ''}`);
      for (const s of body.samples || [])
        if (s.ts_ms > lastSampleMs) { samples.push(s); lastSampleMs = s.ts_ms; }
      const cutoff = Date.now() - HOUR;
      while (samples.length && samples[0].ts_ms < cutoff) samples.shift();
      chartDirty = true;
      schedule();
    } catch (e) {
      if (e.status === 404) samplesRoute = false;  // a hub without samples: the chart says so
    }
  }
  // The series: the latest sample's host and scope (a cgroup limit when kmsgmon runs in one).
  function series() {
    if (!samples.length) return [];
    const l = samples[samples.length - 1];
    return samples.filter((s) => s.host === l.host && s.scope === l.scope && (s.cgroup || '') === (l.cgroup || ''));
  }
  function markers(from) {
    const out = [], spans = [], bands = [];
    const opened = new Map();
    let level = null, levelFrom = 0;
    for (const m of marks.values())
      if (m.ms >= from) out.push({ ...m, label: m.kind === 'cdp' ? m.ev.data?.reason : textOf(m.ev) });
    out.sort((a, b) => a.ms - b.ms);
    for (const ev of charted) {
      if (!(ev.ms >= from - HOUR)) continue;
      const d = ev.data || {};
      if (ev.type === 'memory_pressure') {
        if (level && level !== 'ok') bands.push({ level, from: levelFrom, to: ev.ms });
        level = d.level; levelFrom = ev.ms;
      }
      if (ev.type === 'capture_session_started') opened.set(d.capture_session_id, ev.ms);
      if (ev.type === 'session_ended' && opened.has(d.capture_session_id)) {
        spans.push({ from: opened.get(d.capture_session_id), to: ev.ms }); opened.delete(d.capture_session_id);
      }
    }
    if (level && level !== 'ok') bands.push({ level, from: levelFrom, to: Date.now() });
    for (const ms of opened.values()) spans.push({ from: ms, to: Date.now() });
    return { out, spans, bands };
  }
  const COLORS = { oom: '#c62828', svc: '#6a1b9a', page: '#ef6c00', cdp: '#1565c0' };
  function drawChart() {
    chartDirty = false;
    forgetOld(Date.now());
    const dpr = window.devicePixelRatio || 1;
    const w = canvas.clientWidth, h = canvas.clientHeight || 220;
    if (canvas.width !== Math.round(w * dpr)) { canvas.width = Math.round(w * dpr); canvas.height = Math.round(h * dpr); }
    const g = canvas.getContext('2d');
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, h);
    const s = series();
    const now = Date.now();
    let t0 = s.length ? s[0].ts_ms : now;
    // The axis goes back to the oldest thing it shows from the last hour (not every event held).
    for (const e of [...marks.values(), ...charted]) if (e.ms > now - HOUR && e.ms < t0) t0 = e.ms;
    t0 = Math.max(now - HOUR, Math.min(t0, now - 30e3));
    const L = 56, R = 44, T = 8, B = 22;
    const x = (ms) => L + ((ms - t0) / (now - t0)) * (w - L - R);
    const memMax = Math.max(1, ...s.map((p) => Math.max(p.mem_total_kb || 0, p.swap_total_kb || 0)));
    const yMem = (kb) => T + (1 - kb / memMax) * (h - T - B);
    const yPsi = (pct) => T + (1 - Math.min(100, pct) / 100) * (h - T - B);
    const { out, spans, bands } = markers(t0);
    // bands: warning / critical
    for (const b of bands) {
      g.fillStyle = b.level === 'critical' ? 'rgba(198,40,40,.14)' : 'rgba(255,193,7,.18)';
      g.fillRect(x(Math.max(b.from, t0)), T, Math.max(1, x(b.to) - x(Math.max(b.from, t0))), h - T - B);
    }
    // capture sessions: spans along the bottom
    g.fillStyle = 'rgba(0,131,143,.25)';
    for (const sp of spans) if (sp.to >= t0) g.fillRect(x(Math.max(sp.from, t0)), h - B - 6, Math.max(2, x(sp.to) - x(Math.max(sp.from, t0))), 6);
    // axes
    g.strokeStyle = '#e3e6ea'; g.fillStyle = '#6b7480'; g.font = '11px system-ui, sans-serif'; g.lineWidth = 1;
    for (let i = 0; i <= 4; i++) {
      const kb = (memMax * i) / 4, yy = yMem(kb);
      g.beginPath(); g.moveTo(L, yy); g.lineTo(w - R, yy); g.stroke();
      g.textAlign = 'right'; if (s.length) g.fillText(fmtKiB(kb), L - 4, yy + 4);
      g.textAlign = 'left'; g.fillText(`${i * 25}%`, w - R + 4, yy + 4);
    }
    g.textAlign = 'center';
    for (let i = 0; i <= 4; i++) { const ms = t0 + ((now - t0) * i) / 4; g.fillText(clock(ms), x(ms), h - 6); }
    // lines, broken where samples are missing
    const line = (key, color, yf, dash) => {
      g.strokeStyle = color; g.lineWidth = 1.6; g.setLineDash(dash || []);
      g.beginPath();
      let prev = null;
      for (const p of s) {
        if (typeof p[key] !== 'number' || p.ts_ms < t0) { prev = null; continue; }
        const px = x(p.ts_ms), py = yf(p[key]);
        if (prev && p.ts_ms - prev <= GAP_MS) g.lineTo(px, py); else g.moveTo(px, py);
        prev = p.ts_ms;
      }
      g.stroke(); g.setLineDash([]);
    };
    line('mem_total_kb', '#9e9e9e', yMem);
    line('mem_available_kb', '#2e7d32', yMem);
    if (s.some((p) => p.swap_total_kb > 0)) line('swap_free_kb', '#1565c0', yMem, [5, 3]);
    line('psi_some_avg10', '#ef6c00', yPsi);
    line('psi_full_avg10', '#c62828', yPsi);
    // where samples stopped (in the middle, or up to now)
    const stops = [];
    for (let i = 1; i < s.length; i++) if (s[i].ts_ms - s[i - 1].ts_ms > GAP_MS) stops.push(s[i - 1].ts_ms);
    if (s.length && now - s[s.length - 1].ts_ms > GAP_MS) stops.push(s[s.length - 1].ts_ms);
    g.strokeStyle = '#455a64'; g.setLineDash([2, 3]);
    for (const ms of stops) {
      if (ms < t0) continue;
      g.beginPath(); g.moveTo(x(ms), T); g.lineTo(x(ms), h - B); g.stroke();
      g.fillStyle = '#455a64'; g.textAlign = 'left'; g.fillText('samples stop', x(ms) + 3, T + 10);
    }
    g.setLineDash([]);
    // markers: one per kind and pixel column (thousands of them would draw as one anyway)
    const drawn = new Set();
    for (const m of out) {
      const px = Math.round(x(m.ms)), at = `${m.kind}${px}`;
      if (drawn.has(at)) continue;
      drawn.add(at);
      g.strokeStyle = COLORS[m.kind]; g.fillStyle = COLORS[m.kind]; g.lineWidth = 1.5;
      g.beginPath(); g.moveTo(px, T + 8); g.lineTo(px, h - B); g.stroke();
      g.beginPath(); g.moveTo(px - 5, T); g.lineTo(px + 5, T); g.lineTo(px, T + 8); g.closePath(); g.fill();
    }
    if (!s.length) {
      g.fillStyle = '#6b7480'; g.textAlign = 'center';
      g.fillText(samplesRoute ? 'no memory samples yet (kmsgmon sends them every 5 s)' : 'this hub serves no memory samples',
        (L + w - R) / 2, h / 2);
    }
    geometry = { x, t0, now, L, R, s, out };
    const counts = {};
    for (const m of out) counts[m.kind] = (counts[m.kind] || 0) + m.count;
    const last = s.length ? s[s.length - 1] : null;
    $('chart-status').textContent = `${s.length} samples` +
      (last ? ` · avail ${fmtKiB(last.mem_available_kb)} of ${fmtKiB(last.mem_total_kb)} (${last.scope}) · last ${ago(last.ts_ms)}` : '') +
      ` · ${counts.oom || 0} OOM kills`;
    if (last) $('host').textContent = last.host || '';
    canvas.dataset.samples = String(s.length);
    canvas.dataset.markers = JSON.stringify(counts);
    canvas.dataset.stops = String(stops.filter((ms) => ms >= t0).length);
  }
  canvas.addEventListener('mousemove', (e) => {
    if (!geometry) return;
    const r = canvas.getBoundingClientRect();
    const mx = e.clientX - r.left;
    const { x, s, out } = geometry;
    const lines = [];
    let best = null;
    for (const p of s) if (!best || Math.abs(x(p.ts_ms) - mx) < Math.abs(x(best.ts_ms) - mx)) best = p;
    if (best && Math.abs(x(best.ts_ms) - mx) < 30) {
      lines.push(clock(best.ts_ms), `available ${fmtKiB(best.mem_available_kb)} of ${fmtKiB(best.mem_total_kb)}`);
      if (best.swap_total_kb > 0) lines.push(`swap free ${fmtKiB(best.swap_free_kb)} of ${fmtKiB(best.swap_total_kb)}`);
      if (typeof best.psi_some_avg10 === 'number') lines.push(`PSI some ${best.psi_some_avg10.toFixed(1)}%` +
        (typeof best.psi_full_avg10 === 'number' ? `, full ${best.psi_full_avg10.toFixed(1)}%` : ''));
    }
    for (const m of out) {
      if (Math.abs(x(m.ms) - mx) >= 6) continue;
      lines.push(`#${m.ev.seq} ${m.ev.type} ${cut(m.label, 60)}${m.count > 1 ? ` (and ${m.count - 1} more in that second)` : ''}`);
    }
    if (!lines.length) { tip.hidden = true; return; }
    tip.textContent = lines.join('\n');
    tip.hidden = false;
    tip.style.left = `${Math.min(mx + 16, r.width - 260)}px`;
    tip.style.top = `${e.clientY - r.top + 8}px`;
  });
  canvas.addEventListener('mouseleave', () => { tip.hidden = true; });
  canvas.addEventListener('click', () => {  // a marker under the pointer opens its event
    if (tip.hidden || !geometry) return;
    const m = /^#(\d+) /m.exec(tip.textContent);
    if (m) jumpTo(+m[1]);
  });

  // For tests and the curious: what the page holds.
  window.faultline = {
    seqs: () => items.filter((it) => !it.gap).map((it) => it.key),
    gaps: () => items.filter((it) => it.gap).map((it) => ({ ...it.ev.data })),
    shownAt: (seq) => events.get(seq)?.shownAt,
    samples: () => series().length,
    lastSeq: () => lastSeq,
    held: () => events.size,
    charted: () => {  // the events the chart counts (2 h), by marker kind, and its bands' and spans'
      const n = { other: charted.length };
      for (const m of marks.values()) n[m.kind] = (n[m.kind] || 0) + m.count;
      return n;
    },
    hold: HOLD + TRIM,  // the most it holds while the newest are in sight
    complete: () => reachedStart,  // the JSON pages have reached the first event
  };

  // ---- start: the newest page, then live from its last seq, then samples every 5 s
  (async () => {
    try {
      const head = await api('/telemetry/events?since=0&limit=1');
      const since = Math.max(0, head.last_seq - PAGE);
      const page = await api(`/telemetry/events?since=${since}&limit=${PAGE}`);
      for (const ev of page.events) addEvent(ev, false);
      oldestLoaded = since + 1;
      reachedStart = since === 0;
      lastSeq = Math.max(lastSeq, page.next_since || 0);
    } catch (e) {
      status(e.status === 403 ? 'not allowed: open this page with ?token=<token>' : String(e), 'down');
      if (e.status === 403) return;
    }
    schedule();
    follow();
    pollSamples();
    setInterval(pollSamples, 2000);
  })();
})();
