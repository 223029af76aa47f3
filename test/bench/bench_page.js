// Benchmark (issue 25): the hub's live page (GET /) open in a headless Chromium vs closed, with
// 1,000 events/s posted in 10-event NDJSON batches to POST /telemetry/events and one SSE
// reader of /telemetry/stream (sse_timer.js, a process of its own) timing each event from its
// POST to its arrival.
// One load runs throughout; one plain headless Chromium (no automation client attached while
// the events flow) alternates between the page (open) and about:blank (closed) in short
// segments, so that the VM's own drift over a run (on this 2-core VM the SSE p99 moves by a
// third between minutes) falls on both states alike. Each segment is measured only after the
// switch has settled: the page loaded and its stream connected, or its stream gone. The
// Chromium runs on the same cores at normal priority: the worst case (the README opens the
// page from a browser elsewhere, through an SSH tunnel, where the drawing is not the VM's work).
// Prints, for each state, the median over segments of the ingest rate, POST latency p50/p99
// and SSE delivery p50/p99, the same percentiles over all of a state's segments pooled, the
// ratios open/closed and whether each is within 10 %; then the same comparison between every
// other closed segment and the rest, which differ by nothing but the measurement's own noise
// (a ratio there beyond 10 % says the run cannot resolve 10 %); and the CPU the Chromium used
// in each state. Also the hub's resident memory before and after an hour of memory samples.
// The ratios are reported, not asserted (the VM is shared); it asserts that every posted event
// reached the reader, that the open page kept up (after each open segment it has shown the
// hub's last event), and that the page logs no console error (checked once with Playwright).
//   meson test -C build --benchmark page    or
//   CDP_PROXY=build/cdp-proxy/cdp-proxy NODE_PATH=test/integration/node_modules node test/bench/bench_page.js
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn, fork } = require('child_process');
const h = require(path.join(__dirname, '..', 'integration', 'lib', 'sink_hub'));
const { treeCpuMs } = require('./proc_cpu');

// FAULTLINE_BENCH_SHORT=1: a short run, so the suite can run it once (numbers mean nothing).
const SHORT = !!Number(process.env.FAULTLINE_BENCH_SHORT || 0);
const SEGMENTS = Number(process.env.BENCH_SEGMENTS || (SHORT ? 1 : 12));  // per state
const MEASURE_MS = Number(process.env.BENCH_SEGMENT_MS || (SHORT ? 1500 : 4000));
const SETTLE_MS = 1000;  // after the switch, before a segment is measured
const RATE = 1000, BATCH = 10;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;  // the clock sse_timer.js reads too

function skip(why) {
  console.log(`SKIP: ${why}`);
  process.exit(77);
}
if (!process.env.CDP_PROXY) skip('CDP_PROXY is not set (run through meson test)');
if (!fs.existsSync(CHROMIUM)) skip(`${CHROMIUM} is not installed`);
let chromium, WebSocket;
try {
  ({ chromium } = require('playwright-core'));
  WebSocket = require('ws');
} catch {
  skip('playwright-core or ws missing: run `npm ci` in test/integration');
}

const pct = (xs, p) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const median = (xs) => pct(xs, 50);
const fmt = (x) => x.toFixed(2);

// The SSE reader process; ask(msg) resolves with its answer.
async function reader(hub) {
  const proc = fork(path.join(__dirname, 'sse_timer.js'), [`${hub.url}/telemetry/stream`]);
  const exited = new Promise((r) => proc.on('exit', r));
  const ask = (msg) => new Promise((res) => { proc.once('message', res); proc.send(msg); });
  await h.waitFor('the SSE reader', async () => (await h.metrics(hub)).faultline_hub_sse_subscribers >= 1, 10000, 20);
  return { ask, stop: async () => { proc.kill(); await exited; } };
}

function event(tag, n, sent) {
  return JSON.stringify({
    type: 'service_crashed', source: { kind: 'bench' }, id: `b:${tag}:${n}:${sent.toFixed(3)}`,
    data: { service_name: `svc${n % 7}`, group_name: 'g', from_state: 'RUNNING', pid: n, expected: false, fatal: false },
  });
}

// Posts RATE events/s in BATCH-event batches (up to 4 in flight) until stop(); each batch
// carries the tag set when it was sent (0: not measured). Keeps per tag the events sent and
// the POST latencies.
function load(hub) {
  const l = { tag: 0, sent: 0, failed: null, stopped: false, byTag: new Map() };
  const stat = (tag) => {
    if (!l.byTag.has(tag)) l.byTag.set(tag, { sent: 0, post: [] });
    return l.byTag.get(tag);
  };
  l.done = (async () => {
    let inflight = 0;
    const t0 = performance.now();
    while (!l.stopped && !l.failed) {
      const due = Math.floor(((performance.now() - t0) / 1000) * RATE);
      if (due - l.sent >= BATCH && inflight < 4) {
        const n = Math.min(due - l.sent, 100), at = performance.now(), stamp = nowMs(), s = stat(l.tag), lines = [];
        for (let i = 0; i < n; i++) lines.push(event(l.tag, l.sent + i, stamp));
        l.sent += n;
        s.sent += n;
        inflight++;
        h.post(hub, lines).then(() => s.post.push(performance.now() - at), (err) => { l.failed = err; })
          .finally(() => inflight--);
      } else {
        await h.sleep(2);
      }
    }
    while (inflight > 0) await h.sleep(2);
  })();  // never rejects: a failed POST is l.failed, which the segments check
  return l;
}

// A plain headless Chromium on about:blank; returns its process, one CDP session to its tab
// (no domain enabled: nothing flows on it while the page runs), and send(method, params).
async function openChromium(dir) {
  const profile = fs.mkdtempSync(path.join(dir, 'chromium-'));
  const proc = spawn(CHROMIUM, ['--headless', '--no-sandbox', '--no-first-run', '--disable-gpu',
    '--remote-debugging-port=0', `--user-data-dir=${profile}`, 'about:blank'], { stdio: 'ignore' });
  const c = { proc, exited: new Promise((r) => proc.on('exit', r)) };
  let port = 0;
  await h.waitFor('the Chromium', () => {
    try { port = Number(fs.readFileSync(path.join(profile, 'DevToolsActivePort'), 'utf8').split('\n')[0]) || 0; } catch { /* not yet */ }
    return port > 0;
  }, 20000, 50);
  const list = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
  const tab = list.find((x) => x.type === 'page');
  if (!tab) throw new Error(`no tab in ${JSON.stringify(list)}`);
  c.ws = new WebSocket(tab.webSocketDebuggerUrl);
  await new Promise((res, rej) => { c.ws.on('open', res); c.ws.on('error', rej); });
  let id = 0;
  const waiting = new Map();
  c.ws.on('message', (m) => {
    const j = JSON.parse(m);
    if (waiting.has(j.id)) { waiting.get(j.id)(j); waiting.delete(j.id); }
  });
  c.send = (method, params = {}) => new Promise((res) => {
    waiting.set(++id, res);
    c.ws.send(JSON.stringify({ id, method, params }));
  });
  return c;
}

async function stopChromium(c) {
  c.ws.terminate();
  c.proc.kill('SIGKILL');
  await c.exited;
}

// Switches the Chromium's tab to the page (open) or about:blank (closed) and waits until the
// page's stream is connected or gone, then SETTLE_MS more.
async function switchTo(c, hub, open) {
  await c.send('Page.navigate', { url: open ? `${hub.url}/` : 'about:blank' });
  const want = open ? 2 : 1;  // the reader, and the page's stream when open
  await h.waitFor(open ? 'the page\'s stream' : 'the page\'s stream to end',
    async () => (await h.metrics(hub)).faultline_hub_sse_subscribers === want, 20000, 50);
  await h.sleep(SETTLE_MS);
}

async function pageLastSeq(c) {
  const r = await c.send('Runtime.evaluate', { expression: 'window.faultline.lastSeq()', returnByValue: true });
  return r.result && r.result.result ? r.result.result.value : undefined;
}

// The page once, with Playwright: it loads, goes live, and logs no error.
async function checkPage(hub) {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  const consoleErrors = [];
  try {
    const tab = await browser.newPage();
    tab.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    tab.on('pageerror', (e) => consoleErrors.push(String(e)));
    const resp = await tab.goto(`${hub.url}/`, { waitUntil: 'load' });
    h.assert(resp && resp.status() === 200, `GET / answered ${resp && resp.status()}`);
    await tab.waitForFunction(() => document.getElementById('conn').textContent === 'live', null, { timeout: 10000 });
  } finally {
    await browser.close();
  }
  h.assert(consoleErrors.length === 0, `the page logged console errors: ${consoleErrors.slice(0, 5)}`);
}

async function rssKiB(hub) {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${hub.pid}/status`, 'utf8'));
  return Number(m[1]);
}

// An hour of samples at 1/s, oldest first, posted one at a time as kmsgmon does.
async function hourOfSamples(hub) {
  const now = Date.now(), n = SHORT ? 360 : 3600;
  for (let i = 0; i < n; i++) {
    const ts = now - (n - i) * 1000;
    const r = await fetch(`${hub.url}/telemetry/samples`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ ts_ms: ts, host: 'vm-bench', scope: 'host', mem_total_kb: 16e6,
        mem_available_kb: 8e6 - i * 100, swap_total_kb: 0, swap_free_kb: 0,
        psi_some_avg10: 0.5, psi_full_avg10: 0.1 }),
    });
    if (r.status !== 204) throw new Error(`POST /telemetry/samples answered ${r.status}: ${await r.text()}`);
  }
  return n;
}

// Runs the alternating segments (closed first); returns per state its segments' results.
async function segments(hub, c, l) {
  const res = { closed: [], open: [] };
  for (let tag = 1; tag <= 2 * SEGMENTS; tag++) {
    const state = tag % 2 ? 'closed' : 'open';
    await switchTo(c, hub, state === 'open');
    const cpu0 = treeCpuMs(c.proc.pid), t0 = performance.now();
    l.tag = tag;
    await h.sleep(MEASURE_MS);
    l.tag = 0;
    const seconds = (performance.now() - t0) / 1000;
    if (l.failed) throw l.failed;
    const r = { tag, state, seconds, cpu: (treeCpuMs(c.proc.pid) - cpu0) / seconds };
    if (state === 'open') {
      const last = (await h.metrics(hub)).faultline_hub_last_seq;
      await h.waitFor('the page to show the segment\'s last event', async () => (await pageLastSeq(c)) >= last, 10000, 100);
    }
    res[state].push(r);
  }
  return res;
}

// Fills in each segment's rate and percentiles once every event has reached the reader.
async function measure(res, rd, l) {
  for (const r of [...res.closed, ...res.open]) {
    const s = l.byTag.get(r.tag), lat = (await rd.ask({ report: r.tag })).lat;
    h.assert(lat.length === s.sent, `segment ${r.tag}: the reader got ${lat.length} of ${s.sent} events`);
    Object.assign(r, { rate: s.sent / r.seconds, postP50: pct(s.post, 50), postP99: pct(s.post, 99),
      sseP50: pct(lat, 50), sseP99: pct(lat, 99), post: s.post, sse: lat });
    console.log(`# segment ${r.tag} (page ${r.state}): ${Math.round(r.rate)} events/s, POST p50 ${fmt(r.postP50)} / p99 ${fmt(r.postP99)} ms, SSE p50 ${fmt(r.sseP50)} / p99 ${fmt(r.sseP99)} ms, the Chromium ${(r.cpu / 10).toFixed(1)} % of a core`);
  }
}

const METRICS = [['rate', 'ingest events/s', 'higher'], ['postP50', 'POST p50 ms', 'lower'],
  ['postP99', 'POST p99 ms', 'lower'], ['sseP50', 'SSE delivery p50 ms', 'lower'],
  ['sseP99', 'SSE delivery p99 ms', 'lower']];

// Each metric's median over state y's segments against state x's, and over all of their
// deliveries pooled (one p99 of 48,000 samples moves less than a median of twelve p99s of
// 4,000).
function compare(res, x, y, label) {
  const med = (state, k) => median(res[state].map((r) => r[k]));
  console.log(`${label}, median of ${res[x].length} vs ${res[y].length} segment(s) of ${MEASURE_MS / 1000} s:`);
  for (const [k, what, better] of METRICS) {
    const a = med(x, k), b = med(y, k), ratio = b / a;
    const within = better === 'higher' ? ratio >= 0.9 : ratio <= 1.1;
    console.log(`  ${what}: ${x} ${fmt(a)}, ${y} ${fmt(b)}, ${y}/${x} ${ratio.toFixed(2)} (${within ? 'within' : 'NOT within'} 10 %)`);
  }
  for (const [k, what] of [['post', 'POST'], ['sse', 'SSE delivery']]) {
    const all = (state) => res[state].flatMap((r) => r[k]);
    const a = all(x), b = all(y);
    const line = [50, 99].map((p) => {
      const ratio = pct(b, p) / pct(a, p);
      return `p${p} ${fmt(pct(a, p))} vs ${fmt(pct(b, p))} ms, ${ratio.toFixed(2)} (${ratio <= 1.1 ? 'within' : 'NOT within'} 10 %)`;
    });
    console.log(`  ${what}, all segments pooled (${a.length} vs ${b.length}): ${line.join('; ')}`);
  }
}

function report(res) {
  console.log(`${RATE} events/s in ${BATCH}-event batches throughout`);
  compare(res, 'closed', 'open', 'the page open vs closed');
  // The same comparison between every other closed segment and the rest, two sets of the same
  // state: where it is not within 10 %, the run cannot tell 10 % apart, whatever open/closed
  // says.
  const closedA = res.closed.filter((_, i) => i % 2 === 0), closedB = res.closed.filter((_, i) => i % 2);
  if (closedB.length)
    compare({ closedA, closedB }, 'closedA', 'closedB', 'the instrument\'s own noise: closed vs closed (alternate closed segments)');
  const cpu = (state) => (median(res[state].map((r) => r.cpu)) / 10).toFixed(1);
  console.log(`the Chromium (all its processes): ${cpu('open')} % of a core with the page open at ${RATE} events/s, ${cpu('closed')} % on about:blank`);
}

h.run('the live page open vs closed: ingest and SSE delivery at 1,000 events/s', async () => {
  const hub = await h.startHub({ host: 'vm-bench' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faultline-bench-page-'));
  let c = null, rd = null, l = null;  // the Chromium, reader and load: stopped however it ends
  try {
    await checkPage(hub);
    c = await openChromium(dir);
    rd = await reader(hub);
    l = load(hub);
    const res = await segments(hub, c, l);
    await stopChromium(c);
    c = null;
    l.stopped = true;
    await l.done;
    if (l.failed) throw l.failed;
    await h.waitFor('every event at the SSE reader', async () => (await rd.ask({ count: 1 })).count >= l.sent, 30000, 50);
    await measure(res, rd, l);
    report(res);
    await rd.stop();
    rd = null;
    const before = await rssKiB(hub);
    const n = await hourOfSamples(hub);
    const after = await rssKiB(hub);
    console.log(`hub resident memory: ${(before / 1024).toFixed(2)} MiB before ${n} samples, ${(after / 1024).toFixed(2)} MiB after (+${after - before} KiB)`);
  } finally {
    if (l) l.stopped = true;
    if (rd) await rd.stop();
    if (c) await stopChromium(c);
    // Chromium's helper processes outlive its browser process by a moment, still writing.
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
});
