// The hub's live page (GET /) in a real Chromium (Playwright) during `run-local.sh --demo`: a
// real memory squeeze watched by kmsgmon, real OOM kills in memory cgroups, a page crash linked
// to its OOM kill, Chromium restarted under a CDP client, a crashing supervisord service. Checks:
// every event the stream has is a row exactly once, also across a kill -9 and restart of the
// hub in the middle; live events are shown within 1 s; the chart has samples and one marker per
// OOM kill; the page loads nothing from another origin and logs no console error (but the
// failed requests while the hub is down); filtering and the page_crashed -> OOM link work by
// clicking; with 10,000 events only the rows in sight are in the DOM. Then a hub with --token on
// a non-loopback address: the page works when opened with ?token= and is refused (403, like the
// rest of the API) without it; events its ring no longer holds show as a gap with their count.
// Saves a screenshot (PAGE_SCREENSHOT).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn, execFileSync } = require('child_process');
const h = require('../../../integration/lib/proxy_harness');

const ROOT = process.env.SOURCE_ROOT;
const BUILD = process.env.BUILD_ROOT;
const SHOT = process.env.PAGE_SCREENSHOT;
if (!ROOT || !BUILD) h.skip('SOURCE_ROOT / BUILD_ROOT not set (run through meson test)');
h.requirePrerequisites();
let chromium;
try {
  ({ chromium } = require('playwright-core'));
} catch {
  h.skip('playwright-core missing: run `npm ci` in test/integration');
}
try {
  execFileSync('sh', ['-c', 'command -v supervisord']);
} catch {
  h.skip('supervisord is not installed');
}

// The hub's stream read like the page does (fetch), resuming with Last-Event-ID after a restart.
function follow(hub, seen) {
  let last = 0, stop = false;
  (async () => {
    while (!stop) {
      try {
        const res = await fetch(`${hub}/telemetry/stream?since=${last}`,
          { headers: { Accept: 'text/event-stream', 'Last-Event-ID': String(last) } });
        const split = h.sseSplitter();
        for await (const chunk of res.body) {
          for (const { id, data } of split(Buffer.from(chunk).toString('utf8'))) {
            if (!data) continue;
            const e = JSON.parse(data);
            if (e.seq > 0) seen.set(e.seq, e);
            if (id) last = Math.max(last, Number(id));
          }
        }
      } catch {}
      await h.sleep(300);
    }
  })();
  return { stop() { stop = true; }, last: () => last };
}

const externalIp = () => Object.values(os.networkInterfaces()).flat()
  .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;

// Posts `batches` × 1,000 service_crashed events named <tag>-<i> (1,000 a request: one would
// exceed --max-body), calling after(b, its last seq) after each; returns the first and last seq.
async function bulk(hub, tag, batches, after = async () => {}) {
  let first = 0, last = 0;
  for (let b = 0; b < batches; b++) {
    let body = '';
    for (let i = b * 1000; i < (b + 1) * 1000; i++)
      body += JSON.stringify({ type: 'service_crashed', source: { kind: 'page-test' }, id: `${tag}:${process.pid}:${i}`,
        data: { service_name: `${tag}-${i}`, group_name: tag, from_state: 'RUNNING', pid: 1, expected: false, fatal: false } }) + '\n';
    const res = await fetch(`${hub}/telemetry/events`, { method: 'POST', headers: { 'Content-Type': 'application/x-ndjson' }, body });
    h.equal(res.status, 200, 'a bulk POST');
    const r = await res.json();
    first = first || r.first_seq;
    last = r.first_seq + r.accepted - 1;
    await after(b, last);
  }
  return { first, last };
}

async function main() {
  // Three distinct ports the kernel says are free now (a random range could meet one in use).
  const ports = new Set();
  while (ports.size < 3) ports.add(await h.freePort());
  const [api, cdp, chromiumPort] = ports;
  const hub = `http://127.0.0.1:${api}`;
  const errLog = path.join(h.tmpDir('faultline-page-'), 'run-local.err');
  const err = fs.openSync(errLog, 'w');
  const demo = spawn(path.join(ROOT, 'packaging/run-local.sh'), ['--demo', '--bin-dir', BUILD,
    '--api-port', String(api), '--cdp-port', String(cdp), '--chromium-port', String(chromiumPort),
    '--duration', '240'], { stdio: ['ignore', 'ignore', err], detached: true });
  fs.closeSync(err);
  const demoExit = new Promise((r) => demo.on('exit', r));
  let browser, tokenHub, follower;
  const seen = new Map();
  const requests = [], consoleErrors = [], pageErrors = [];
  let downFrom = Infinity, downTo = Infinity;  // the hub's deliberate downtime (ms)
  let page, runDir;
  const cgroups = isReadable('/dev/kmsg') &&  // as test/demo/run_local_demo_test.sh decides
    (isWritable('/sys/fs/cgroup/memory') || isWritable('/sys/fs/cgroup/cgroup.subtree_control'));
  const count = (type) => [...seen.values()].filter((e) => e.type === type).length;
  const rowKeys = () => page.$$eval('#rows .row', (rows) => rows.map((r) => r.dataset.key));
  // The service crashes the chart counts (its markers keep two hours).
  const crashes = async () => (await page.evaluate(() => window.faultline.charted())).svc || 0;

  await h.run([
    ['the hub of run-local.sh --demo answers; the page opens', async () => {
      await h.waitFor('the hub', async () => (await fetch(`${hub}/healthz`)).ok, 60000, 200);
      runDir = await h.waitFor('the run dir', () => (fs.readFileSync(errLog, 'utf8').match(/\/tmp\/faultline-run\.[A-Za-z0-9]+/) || [])[0], 20000);
      follower = follow(hub, seen);
      browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
      page = await browser.newPage({ viewport: { width: 1280, height: 760 } });
      page.on('request', (r) => requests.push(r.url()));
      page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push({ at: Date.now(), text: m.text() }); });
      page.on('pageerror', (e) => pageErrors.push(String(e)));
      const res = await page.goto(`${hub}/`);
      h.equal(res.status(), 200, 'GET / status');
      h.check(res.headers()['content-type'].startsWith('text/html'), 'GET / is text/html');
      await page.waitForSelector('#conn.live', { timeout: 10000 });
    }],
    ['the demo\'s events arrive (service crash, CDP restart, and with cgroups two OOM kills and a page crash)', async () => {
      const wanted = ['service_crashed', 'cdp_disconnect'];
      if (cgroups) wanted.push('system_oom_kill', 'page_crashed', 'memory_pressure');
      else console.log('# note: no memory cgroups here; no OOM kill, page crash or pressure expected');
      await h.waitFor(`demo events ${wanted}`, () => wanted.every((t) => count(t) > 0) &&
        (!cgroups || count('system_oom_kill') >= 2) &&
        [...seen.values()].some((e) => e.type === 'cdp_disconnect' && e.data.reason === 'upstream_changed'), 150000, 500);
    }],
    ['kill -9 of the hub; supervisord restarts it; the page resumes', async () => {
      const pid = Number(execFileSync('supervisorctl', ['-s', `unix://${runDir}/supervisor.sock`, 'pid', 'cdp-proxy']).toString().trim());
      h.check(pid > 0, `the hub's pid (${pid})`);
      const before = follower.last();
      downFrom = Date.now();
      process.kill(pid, 'SIGKILL');
      await page.waitForSelector('#conn.down', { timeout: 10000 });
      await h.waitFor('the hub again', async () => (await fetch(`${hub}/healthz`)).ok, 30000, 100);
      await page.waitForSelector('#conn.live', { timeout: 15000 });
      downTo = Date.now() + 2000;
      // The demo's crasher keeps crashing: events after the restart reach the page too.
      await h.waitFor('events after the restart', () => follower.last() > before + 2, 30000, 200);
    }],
    ['live events are shown within 1 s', async () => {
      for (let i = 0; i < 5; i++) {
        const res = await fetch(`${hub}/telemetry/events`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ type: 'service_crashed', source: { kind: 'page-test' }, id: `page-test:${process.pid}:${i}`,
            data: { service_name: `page-probe-${i}`, group_name: 'page-probe', from_state: 'RUNNING', pid: 1, expected: false, fatal: false } }) });
        const seq = (await res.json()).first_seq;
        const t0 = Date.now();
        await page.waitForFunction((s) => window.faultline.seqs().includes(s), seq, { timeout: 5000 });
        const ms = Date.now() - t0;
        console.log(`# probe #${seq} shown after ${ms} ms`);
        h.check(ms <= 1000, `event #${seq} shown within 1 s (took ${ms} ms)`);
        await h.sleep(200);
      }
    }],
    ['every event of the stream is a row exactly once (also across the restart)', async () => {
      await h.sleep(1500);
      const last = follower.last();
      await page.waitForFunction((s) => window.faultline.lastSeq() >= s, last, { timeout: 10000 });
      // Scroll the virtual list from top to bottom (older pages load on the way): each view
      // renders every key once, and together the views render every event of the stream.
      const keys = new Set();
      for (let y = 0, steps = 0; steps < 2000; y += 400, steps++) {
        await page.$eval('#list', (l, top) => { l.scrollTop = top; }, y);
        await page.waitForTimeout(30);
        const view = await rowKeys();
        h.equal(new Set(view).size, view.length, `a row shown twice at scrollTop ${y}`);
        view.forEach((k) => keys.add(k));
        const [bottom, complete] = await page.evaluate(() => {
          const l = document.getElementById('list');
          return [l.scrollTop + l.clientHeight >= l.scrollHeight - 2, window.faultline.complete()];
        });
        if (bottom && complete) break;
      }
      const pageSeqs = await page.evaluate(() => window.faultline.seqs());
      h.equal(new Set(pageSeqs).size, pageSeqs.length, 'the page holds no seq twice');
      const stream = [...seen.keys()].filter((s) => s <= last).sort((a, b) => a - b);
      const shown = new Set(pageSeqs);
      const missing = stream.filter((s) => !shown.has(s));
      h.equal(missing.length, 0, `events of the stream missing from the page (${missing.slice(0, 10)})`);
      const extra = pageSeqs.filter((s) => s <= last && !seen.has(s));
      h.equal(extra.length, 0, `events in the page the stream did not have (${extra.slice(0, 10)})`);
      // Every event in the DOM once: the rendered rows' keys cover the stream.
      const rendered = stream.filter((s) => keys.has(String(s)));
      h.equal(rendered.length, stream.length, 'every stream event was rendered as a row while scrolling');
      console.log(`# ${stream.length} events (seq ${stream[0]}..${stream[stream.length - 1]}), each once in the page`);
      await page.$eval('#list', (l) => { l.scrollTop = 0; });
    }],
    ['the chart has the samples and one marker per OOM kill', async () => {
      const samples = await page.waitForFunction(() => Number(document.getElementById('chart').dataset.samples) > 0,
        null, { timeout: 15000 }).then(() => page.$eval('#chart', (c) => Number(c.dataset.samples)));
      console.log(`# ${samples} samples in the chart`);
      // The chart redraws at most once a second: wait for it to have drawn what the stream had.
      const want = { oom: count('system_oom_kill'), page: count('page_crashed') };
      await page.waitForFunction((w) => {
        const m = JSON.parse(document.getElementById('chart').dataset.markers || '{}');
        return (m.oom || 0) === w.oom && (m.page || 0) === w.page;
      }, want, { timeout: 5000 }).catch(() => {});
      const markers = await page.$eval('#chart', (c) => JSON.parse(c.dataset.markers || '{}'));
      h.equal(markers.oom || 0, count('system_oom_kill'), 'OOM kill markers in the chart');
      h.equal(markers.page || 0, count('page_crashed'), 'page crash markers in the chart');
    }],
    ['filtering by category, type and text works by clicking', async () => {
      await page.selectOption('#f-cat', 'cdp');
      await page.waitForTimeout(100);
      const cdpTypes = await page.$$eval('#rows .row:not(.gap) .ty', (t) => t.map((x) => x.textContent));
      h.check(cdpTypes.length > 0 && cdpTypes.every((t) => t.startsWith('cdp_')), `category cdp shows only cdp_* (${[...new Set(cdpTypes)]})`);
      await page.selectOption('#f-cat', '');
      await page.selectOption('#f-type', 'service_crashed');
      await page.waitForTimeout(100);
      const svc = await page.$$eval('#rows .row:not(.gap) .ty', (t) => t.map((x) => x.textContent));
      h.check(svc.length > 0 && svc.every((t) => t === 'service_crashed'), 'type service_crashed shows only those');
      await page.selectOption('#f-type', '');
      await page.fill('#f-text', 'page-probe-3');
      await page.waitForTimeout(100);
      const hits = await page.$$eval('#rows .row:not(.gap)', (r) => r.map((x) => x.textContent));
      h.equal(hits.length, 1, 'the search finds the one probe');
      await page.click('#rows .row:not(.gap)');
      const json = JSON.parse(await page.textContent('#detail-json'));
      h.equal(json.data.service_name, 'page-probe-3', 'a click opens the full JSON');
      await page.click('#detail-close');
      await page.fill('#f-text', '');
    }],
    ['page_crashed links to its OOM kill (and back) by clicking', async () => {
      const crash = [...seen.values()].find((e) => e.type === 'page_crashed' && e.data.oom_kill_seq);
      if (!cgroups || !crash) {
        h.check(!cgroups, 'a page_crashed linked to an OOM kill');
        return console.log('# no memory cgroups: no linked page crash to click');
      }
      await page.selectOption('#f-type', 'page_crashed');
      await page.waitForTimeout(100);
      await page.click(`#rows .row[data-key="${crash.seq}"] a[data-seq]`);
      await page.waitForFunction((s) => document.getElementById('detail-title').textContent.startsWith(`#${s} `), crash.data.oom_kill_seq, { timeout: 5000 });
      h.check((await page.textContent('#detail-title')).endsWith('system_oom_kill'), 'the link opens the system_oom_kill');
      h.check(await page.isVisible(`#rows .row.sel[data-key="${crash.data.oom_kill_seq}"]`), 'the OOM kill row is in sight and selected');
      // And back: the OOM kill's row links to the page crash (set by the hub, or found by the page).
      await page.click('#detail-close');  // the JSON panel lies over the rows' right end
      await page.click(`#rows .row[data-key="${crash.data.oom_kill_seq}"] a[data-seq]`);
      await page.waitForFunction((s) => document.getElementById('detail-title').textContent.startsWith(`#${s} `), crash.seq, { timeout: 5000 });
      h.check((await page.textContent('#detail-title')).endsWith('page_crashed'), 'the back link opens the page_crashed');
      await page.click('#detail-close');
      await page.selectOption('#f-type', '');
    }],
    ['one origin only; no console error; a screenshot', async () => {
      const foreign = requests.filter((u) => !u.startsWith(`${hub}/`) && !u.startsWith('data:'));
      h.equal(foreign.length, 0, `requests to another origin (${foreign.slice(0, 5)})`);
      h.equal(pageErrors.length, 0, `page errors (${pageErrors})`);
      // While the hub is down its requests fail, and Chromium logs each: those are expected.
      const errors = consoleErrors.filter((e) => !(e.at >= downFrom && e.at <= downTo && /ERR_CONNECTION_REFUSED|ERR_EMPTY_RESPONSE|ERR_CONNECTION_RESET|ERR_INCOMPLETE_CHUNKED_ENCODING|Failed to fetch/.test(e.text)));
      h.equal(errors.length, 0, `console errors (${errors.map((e) => e.text).slice(0, 5)})`);
      await page.$eval('#list', (l) => { l.scrollTop = 0; });
      await page.hover('#chart', { position: { x: 900, y: 120 } });
      if (SHOT) {
        await page.screenshot({ path: SHOT });
        console.log(`# screenshot: ${SHOT}`);
      }
    }],
    ['10,000 more events: only the rows in sight are in the DOM; filter and scroll stay fast', async () => {
      const { last } = await bulk(hub, 'bulk', 10);
      await page.waitForFunction((s) => window.faultline.seqs().includes(s), last, { timeout: 20000 });
      const held = await page.evaluate(() => window.faultline.seqs().length);
      h.check(held >= 10000, `the page holds ${held} events`);
      const rows = await page.$$eval('#rows .row', (r) => r.length);
      h.check(rows < 100, `only the rows in sight are rendered (${rows})`);
      // One filter change and one scroll, each to the next painted frame.
      const ms = await page.evaluate(async () => {
        const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
        const t = document.getElementById('f-text');
        const t0 = performance.now();
        t.value = 'bulk-4242';
        t.dispatchEvent(new Event('input'));
        await frame();
        const filtered = document.querySelectorAll('#rows .row').length;
        const t1 = performance.now();
        t.value = '';
        t.dispatchEvent(new Event('input'));
        await frame();
        document.getElementById('list').scrollTop = 22 * 5000;
        await frame();
        const t2 = performance.now();
        return { filter: t1 - t0, scroll: t2 - t1, filtered };
      });
      console.log(`# 10,000 events: filter ${ms.filter.toFixed(0)} ms, clear + scroll ${ms.scroll.toFixed(0)} ms`);
      h.equal(ms.filtered, 1, 'the search finds bulk-4242 among 10,000');
      h.check(ms.filter < 500 && ms.scroll < 500, 'filter and scroll each paint within 500 ms (all 10,000 rows in the DOM would take seconds)');
    }],
    ['past 55,000 events the page holds the newest (not every event ever), and the oldest load again on scroll', async () => {
      const gapsBefore = await page.evaluate(() => window.faultline.gaps().length);
      const crashesBefore = await crashes();
      // More than the most it holds, on their own. Paced so that the page's stream keeps within
      // the hub's ring (16,384 events): posted all at once, it falls behind and shows a
      // reader_behind gap instead.
      const { first, last } = await bulk(hub, 'hold', 56, async (b, upTo) => {
        if (b % 8 === 7) await page.waitForFunction((s) => window.faultline.lastSeq() >= s, upTo, { timeout: 30000 });
      });
      await page.evaluate(() => { document.getElementById('list').scrollTop = 0; });
      await page.waitForFunction((s) => window.faultline.lastSeq() >= s, last, { timeout: 30000 });
      await page.waitForFunction(() => window.faultline.held() <= window.faultline.hold, null, { timeout: 10000 });
      const held = await page.evaluate(() => {
        const s = window.faultline.seqs();
        return { n: s.length, unique: new Set(s).size, min: Math.min(...s), max: Math.max(...s), hold: window.faultline.hold };
      });
      console.log(`# after ${last} events the page holds ${held.n}, #${held.min} to #${held.max}`);
      h.check(held.n >= 50000 && held.n <= held.hold, `the page holds between 50,000 and ${held.hold} events (${held.n})`);
      h.equal(held.unique, held.n, 'each event held once');
      h.equal(await page.evaluate(() => window.faultline.gaps().length), gapsBefore, 'no events dropped on the way');
      h.equal(held.max, last, 'the newest event is held');
      h.check(held.min > first, `every event older than this step's 56,000 went (the oldest held: #${held.min})`);
      const charted = await crashes();
      h.equal(charted - crashesBefore, 56000, 'the chart counts each of the 56,000 crashes once');
      // Scrolled down to the oldest held: the page before them loads again, once each.
      await page.evaluate(() => { const l = document.getElementById('list'); l.scrollTop = l.scrollHeight; });
      await page.waitForFunction((m) => Math.min(...window.faultline.seqs()) < m, held.min, { timeout: 10000 });
      const again = await page.evaluate(() => { const s = window.faultline.seqs(); return { n: s.length, unique: new Set(s).size }; });
      h.equal(again.unique, again.n, 'each event held once after the older page loaded again');
      h.equal(await crashes(), charted, 'the chart does not count again the crashes trimmed and loaded again');
      await page.evaluate(() => { document.getElementById('list').scrollTop = 0; });
    }],
    ['an event older than the chart can show is not kept for it', async () => {
      const post = async (id, ts) => (await (await fetch(`${hub}/telemetry/events`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ type: 'service_crashed', source: { kind: 'page-test' }, id: `${id}:${process.pid}`, ts,
          data: { service_name: id, group_name: 'age', from_state: 'RUNNING', pid: 1, expected: false, fatal: false } }) })).json()).first_seq;
      const before = await crashes();
      const old = await post('three-hours-ago', new Date(Date.now() - 3 * 3600e3).toISOString());
      const now = await post('just-now', new Date().toISOString());
      await page.waitForFunction((s) => window.faultline.lastSeq() >= s, now, { timeout: 10000 });
      h.equal(await crashes() - before, 1, `the chart counts #${now} (now), not #${old} (3 h ago)`);
      h.check((await page.evaluate(() => window.faultline.seqs())).includes(old), 'the timeline shows the old one');
    }],
    ['with --token on a non-loopback address: ?token= works, without it 403', async () => {
      const ip = externalIp();
      if (!ip) return console.log('# no non-loopback IPv4 address here: token check skipped');
      const port = await h.freePort();
      const token = `page-${process.pid}`;
      tokenHub = spawn(process.env.CDP_PROXY, ['--cdp-listen', '127.0.0.1:0', '--api-listen', `0.0.0.0:${port}`,
        '--data-dir', '', '--ring-capacity', '64', '--token', token, '--upstream', `127.0.0.1:${chromiumPort}`], { stdio: 'ignore' });
      tokenHub.port = port;
      const url = `http://${ip}:${port}`;
      await h.waitFor('the token hub', async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, 20000, 100);
      const p2 = await browser.newPage();
      const errs = [];
      p2.on('pageerror', (e) => errs.push(String(e)));
      const refused = await p2.goto(`${url}/`);
      h.equal(refused.status(), 403, 'the page without the token');
      const ok = await p2.goto(`${url}/?token=${token}`);
      h.equal(ok.status(), 200, 'the page with ?token=');
      await p2.waitForSelector('#conn.live', { timeout: 10000 });
      const res = await fetch(`http://127.0.0.1:${port}/telemetry/events`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ type: 'service_crashed', source: { kind: 'page-test' }, id: 'tok:1',
          data: { service_name: 'token-probe', group_name: 'token-probe', from_state: 'RUNNING', pid: 1, expected: false, fatal: false } }) });
      const seq = (await res.json()).first_seq;
      await p2.waitForFunction((s) => window.faultline.seqs().includes(s), seq, { timeout: 5000 });
      h.equal(errs.length, 0, `page errors with the token (${errs})`);
      await p2.close();
    }],
    ['events the ring no longer holds show as a gap with their count', async () => {
      if (!tokenHub) return console.log('# no token hub: gap check skipped');
      const hub2 = `http://127.0.0.1:${tokenHub.port}`;
      let body = '';  // 200 events into a ring of 64, with no journal: the oldest are gone
      for (let i = 0; i < 200; i++)
        body += JSON.stringify({ type: 'service_crashed', source: { kind: 'page-test' }, id: `gap:${i}`,
          data: { service_name: `gap-${i}`, group_name: 'gap', from_state: 'RUNNING', pid: 1, expected: false, fatal: false } }) + '\n';
      h.equal((await fetch(`${hub2}/telemetry/events`, { method: 'POST', headers: { 'Content-Type': 'application/x-ndjson' }, body })).status, 200, 'the POST');
      const first = (await (await fetch(`${hub2}/telemetry/events?since=0&limit=1`)).json()).events[0];
      h.equal(first.type, 'events_dropped', 'the hub reports the expired events first');
      const p3 = await browser.newPage();
      await p3.goto(`${hub2}/`);
      await p3.waitForSelector('#conn.live', { timeout: 10000 });
      await p3.$eval('#list', (l) => { l.scrollTop = l.scrollHeight; });
      const gap = await p3.waitForSelector('#rows .row.gap', { timeout: 5000 });
      const text = await gap.textContent();
      h.check(text.includes(`${first.data.count} events dropped`), `the gap shows its count ${first.data.count}: ${text}`);
      console.log(`# gap row: ${text.trim()}`);
      await p3.close();
    }],
    ['where memory samples stop, the chart marks it; hover shows values', async () => {
      if (!tokenHub) return console.log('# no token hub: samples-stop check skipped');
      const hub2 = `http://127.0.0.1:${tokenHub.port}`;
      const now = Date.now();
      for (let i = 12; i >= 6; i--) {  // every 5 s from 60 s ago to 30 s ago, then silence
        const res = await fetch(`${hub2}/telemetry/samples`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ ts_ms: now - i * 5000, host: 'vm', scope: 'host', mem_total_kb: 4194304,
            mem_available_kb: 1048576 - (12 - i) * 100000, swap_total_kb: 0, swap_free_kb: 0, psi_some_avg10: 5 * (12 - i), psi_full_avg10: 2 * (12 - i) }) });
        h.equal(res.status, 204, 'a sample POST');
      }
      const p4 = await browser.newPage();
      await p4.goto(`${hub2}/`);
      await p4.waitForFunction(() => Number(document.getElementById('chart').dataset.samples) === 7, null, { timeout: 10000 });
      h.equal(await p4.$eval('#chart', (c) => c.dataset.stops), '1', 'one samples-stop mark');
      // Hover: moving across the chart shows a sample's values somewhere along the way.
      const box = await (await p4.$('#chart')).boundingBox();
      let shown = '';
      for (let x = 60; x < box.width - 40 && !shown; x += 15) {
        await p4.mouse.move(box.x + x, box.y + box.height / 2);
        const t = await p4.$eval('#tip', (e) => (e.hidden ? '' : e.textContent));
        if (t.includes('available')) shown = t;
      }
      h.check(shown.includes('available 1.0 GiB of 4.0 GiB') || /available [0-9.]+ MiB of 4\.0 GiB/.test(shown),
        `hovering shows a sample's values (${JSON.stringify(shown)})`);
      await p4.close();
    }],
  ], async () => {
    if (follower) follower.stop();
    if (browser) await browser.close().catch(() => {});
    if (tokenHub) tokenHub.kill('SIGKILL');
    try { process.kill(-demo.pid, 'SIGINT'); } catch {}
    await Promise.race([demoExit, h.sleep(15000)]);
    try { process.kill(-demo.pid, 'SIGKILL'); } catch {}
  });
}

function isReadable(p) {
  try { fs.accessSync(p, fs.constants.R_OK); return true; } catch { return false; }
}

function isWritable(p) {
  try { fs.accessSync(p, fs.constants.W_OK); return true; } catch { return false; }
}

main();
