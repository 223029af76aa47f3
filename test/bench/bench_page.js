// Benchmark (issue 25): the hub's live page (GET /) open in a headless Chromium vs closed, with
// 1,000 events/s posted in 10-event NDJSON batches to POST /telemetry/events and one SSE
// reader of /telemetry/stream timing each event from its POST to its arrival. Rounds alternate
// (closed, open, closed, open, ...), each SECONDS long, one hub and one browser throughout;
// prints, for each state, the median over rounds of: ingest rate reached, POST latency p50/p99,
// SSE delivery p50/p99; then the ratios open/closed and whether each is within 10 %. Also the
// hub's resident memory before and after an hour of memory samples (3,600 at 1/s).
// The ratios are reported, not asserted (the VM is shared); it asserts that every posted event
// reached the reader and that the page loaded with no console error.
//   meson test -C build --benchmark page    or
//   CDP_PROXY=build/cdp-proxy/cdp-proxy NODE_PATH=test/integration/node_modules node test/bench/bench_page.js
'use strict';
const fs = require('fs');
const path = require('path');
const { performance } = require('perf_hooks');
const h = require(path.join(__dirname, '..', 'integration', 'lib', 'sink_hub'));

// FAULTLINE_BENCH_SHORT=1: a short run, so the suite can run it once (numbers mean nothing).
const SHORT = !!Number(process.env.FAULTLINE_BENCH_SHORT || 0);
const SECONDS = Number(process.env.BENCH_SECONDS || (SHORT ? 2 : 10));
const ROUNDS = SHORT ? 1 : 3;  // per state
const RATE = 1000, BATCH = 10;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

function skip(why) {
  console.log(`SKIP: ${why}`);
  process.exit(77);
}
if (!process.env.CDP_PROXY) skip('CDP_PROXY is not set (run through meson test)');
if (!fs.existsSync(CHROMIUM)) skip(`${CHROMIUM} is not installed`);
let chromium;
try {
  ({ chromium } = require('playwright-core'));
} catch {
  skip('playwright-core missing: run `npm ci` in test/integration');
}

const pct = (xs, p) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const median = (xs) => pct(xs, 50);

// One SSE reader; for each event whose producer id is "b:<round>:<n>:<sent ms>" records the
// delivery latency into the current round's array.
function reader(hub) {
  const r = { lat: null, round: null, count: 0, ctl: new AbortController() };
  (async () => {
    const res = await fetch(`${hub.url}/telemetry/stream`,
      { headers: { Accept: 'text/event-stream' }, signal: r.ctl.signal });
    let buf = '';
    for await (const chunk of res.body) {
      const now = performance.now();
      buf += Buffer.from(chunk).toString('utf8');
      let end;
      while ((end = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, end);
        buf = buf.slice(end + 2);
        const m = /"id":"b:(\d+):\d+:([\d.]+)"/.exec(block);
        if (m && Number(m[1]) === r.round) {
          r.lat.push(now - Number(m[2]));
          r.count++;
        }
      }
    }
  })().catch((err) => { if (err.name !== 'AbortError') r.error = err; });
  return r;
}

function event(round, n, sent) {
  return JSON.stringify({
    type: 'service_crashed', source: { kind: 'bench' }, id: `b:${round}:${n}:${sent.toFixed(3)}`,
    data: { service_name: `svc${n % 7}`, group_name: 'g', from_state: 'RUNNING', pid: n, expected: false, fatal: false },
  });
}

// Posts RATE events/s for SECONDS in BATCH-event batches (up to 4 in flight); returns the rate
// reached and every POST's latency.
async function load(hub, round) {
  const total = RATE * SECONDS, post = [];
  let sent = 0, inflight = 0, failed = null;
  const t0 = performance.now();
  while (sent < total && !failed) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * RATE));
    if ((due - sent >= BATCH || (due === total && due > sent)) && inflight < 4) {
      const n = Math.min(due - sent, 100), at = performance.now(), lines = [];
      for (let i = 0; i < n; i++) lines.push(event(round, sent + i, at));
      sent += n;
      inflight++;
      h.post(hub, lines).then(() => post.push(performance.now() - at), (err) => { failed = err; })
        .finally(() => inflight--);
    } else {
      await h.sleep(2);
    }
  }
  while (inflight > 0) await h.sleep(2);
  if (failed) throw failed;
  return { rate: total / ((performance.now() - t0) / 1000), post };
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

const fmt = (x) => x.toFixed(2);

h.run('the live page open vs closed: ingest and SSE delivery at 1,000 events/s', async () => {
  const hub = await h.startHub({ host: 'vm-bench' });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  const consoleErrors = [];
  try {
    const rd = reader(hub);
    const res = { closed: [], open: [] };
    const states = [];
    for (let i = 0; i < ROUNDS; i++) states.push('closed', 'open');
    let round = 0;
    for (const state of states) {
      round++;
      let page = null;
      if (state === 'open') {
        page = await browser.newPage();
        page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
        page.on('pageerror', (e) => consoleErrors.push(String(e)));
        const resp = await page.goto(`${hub.url}/`, { waitUntil: 'load' });
        h.assert(resp && resp.status() === 200, `GET / answered ${resp && resp.status()}`);
        await h.sleep(500);  // its first page of events and the stream connected
      }
      rd.round = round;
      rd.lat = [];
      rd.count = 0;
      const l = await load(hub, round);
      await h.waitFor(`round ${round}'s events at the SSE reader`, () => rd.error ? Promise.reject(rd.error) : rd.count >= RATE * SECONDS, 30000, 20);
      h.assert(rd.count === RATE * SECONDS, `the reader got ${rd.count} of ${RATE * SECONDS} events`);
      const r = { rate: l.rate, postP50: pct(l.post, 50), postP99: pct(l.post, 99),
        sseP50: pct(rd.lat, 50), sseP99: pct(rd.lat, 99) };
      res[state].push(r);
      console.log(`# round ${round} (page ${state}): ${Math.round(r.rate)} events/s, POST p50 ${fmt(r.postP50)} / p99 ${fmt(r.postP99)} ms, SSE p50 ${fmt(r.sseP50)} / p99 ${fmt(r.sseP99)} ms`);
      if (page) await page.close();
    }
    h.assert(consoleErrors.length === 0, `the page logged console errors: ${consoleErrors.slice(0, 5)}`);
    const med = (state, k) => median(res[state].map((r) => r[k]));
    console.log(`median of ${ROUNDS} round(s) of ${SECONDS} s each, ${RATE} events/s in ${BATCH}-event batches:`);
    for (const [k, what, better] of [['rate', 'ingest events/s', 'higher'], ['postP50', 'POST p50 ms', 'lower'],
      ['postP99', 'POST p99 ms', 'lower'], ['sseP50', 'SSE delivery p50 ms', 'lower'], ['sseP99', 'SSE delivery p99 ms', 'lower']]) {
      const c = med('closed', k), o = med('open', k), ratio = o / c;
      const within = better === 'higher' ? ratio >= 0.9 : ratio <= 1.1;
      console.log(`${what}: closed ${fmt(c)}, open ${fmt(o)}, open/closed ${ratio.toFixed(2)} (${within ? 'within' : 'NOT within'} 10 %)`);
    }
    rd.ctl.abort();
    const before = await rssKiB(hub);
    const n = await hourOfSamples(hub);
    const after = await rssKiB(hub);
    console.log(`hub resident memory: ${(before / 1024).toFixed(2)} MiB before ${n} samples, ${(after / 1024).toFixed(2)} MiB after (+${after - before} KiB)`);
  } finally {
    await browser.close();
  }
});
