// Benchmark: the CDP monitor's cost, in one run with one headless Chromium and a local site:
//   - page load time of a page with 200 subresources, capture of every category on vs the
//     proxy with --no-monitor (the monitor's budget: at most 1.10x);
//   - a page producing 5,000 console messages and 2,000 requests per second for 10 s (work
//     batched per timer tick and counted by the page itself, which reports the rate it
//     reached): the hub, with its journal in a temp data dir as deployed, stores every event
//     (counted exactly by reading them back from GET /telemetry/events by type against what
//     the page produced), and the monitor thread's CPU time;
//   - the proxy's command round trip with the monitor running (capture on) vs --no-monitor.
// Prints each number and the ratios. Not run by the tests:
//   meson test -C build --benchmark monitor    or
//   CDP_PROXY=build/cdp-proxy/cdp-proxy CDP_PROXY_HUB=1 node test/bench/bench_monitor.js
'use strict';
const fs = require('fs');
const path = require('path');
const { spawn } = require('child_process');
const h = require('../integration/lib/proxy_harness');
const m = require('../integration/lib/monitor_harness');
const { statCpuMs } = require('./proc_cpu');

// FAULTLINE_BENCH_SHORT=1: a short run, so the suite can run it once (numbers mean nothing).
const SHORT = !!Number(process.env.FAULTLINE_BENCH_SHORT || 0);
const LOADS = Number(process.env.BENCH_LOADS || (SHORT ? 2 : 15));
const COMMANDS = SHORT ? 100 : 2000;
const FLOOD_SECONDS = Number(process.env.BENCH_FLOOD_SECONDS || (SHORT ? 1 : 10));
const ALL = ['console', 'network', 'page', 'interaction', 'screenshot'];

// The site in a child process; resolves {url, sinks, close}.
async function startSiteProcess() {
  const proc = spawn(process.execPath, [path.join(__dirname, 'bench_site.js')], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  proc.stdout.on('data', (d) => { out += d; });
  const sinks = await h.waitFor('the site', () => /^sinks (.+)$/m.exec(out)?.[1], 10000, 20);
  const url = /^(http:\S+)/m.exec(out)[1];
  return { url, sinks: sinks.split(' '), close: async () => proc.kill('SIGTERM') };
}

// cdp-proxy with its hub (journal in a fresh temp data dir, default ring) and nobody reading
// the stream.
async function startProxy(args) {
  const dataDir = h.tmpDir('faultline-bench-monitor-data-');
  const proc = spawn(process.env.CDP_PROXY, ['--cdp-listen', '127.0.0.1:0', '--api-listen', '127.0.0.1:0',
    '--data-dir', dataDir, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr.on('data', (d) => { err += d; });
  const exited = new Promise((r) => proc.on('exit', r));
  const port = await h.waitFor('the proxy', () => Number(/listening on port (\d+)/.exec(err)?.[1]), 10000, 20);
  return {
    pid: proc.pid,
    url: `http://127.0.0.1:${port}`,
    hub: /telemetry hub on (http:\/\/\S+)/.exec(err)[1],
    stderr: () => err,
    stop: async () => {
      proc.kill('SIGTERM');
      await exited;
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// utime + stime of the proxy's monitor thread, in milliseconds.
function monitorCpuMs(pid) {
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    if (fs.readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim() !== 'cdp-monitor') continue;
    return statCpuMs(`/proc/${pid}/task/${tid}/stat`);
  }
  throw new Error('no cdp-monitor thread');
}

// Every stored event of these types, read back from the hub (journal and ring) page by page.
async function storedEvents(hub, types) {
  const out = [];
  let since = 0;
  for (;;) {
    const res = await fetch(`${hub}/telemetry/events?since=${since}&types=${types.join(',')}&limit=10000`);
    if (res.status !== 200) throw new Error(`GET /telemetry/events answered ${res.status}`);
    const page = await res.json();
    out.push(...page.events);
    if (page.events.length === 0 || page.next_since === since) return out;
    since = page.next_since;
  }
}

async function pageLoads(proxy, site, chromium) {
  const browser = await chromium.connectOverCDP(proxy.url);
  const page = await browser.contexts()[0].newPage();
  const times = [];
  for (let i = 0; i < LOADS + 2; i++) {
    const t0 = process.hrtime.bigint();
    await page.goto(`${site.url}/many?n=200&r=${i}`, { waitUntil: 'load' });
    if (i >= 2) times.push(Number(process.hrtime.bigint() - t0) / 1e6);  // 2 warm-up loads
  }
  await page.close();
  await browser.close();
  return median(times);
}

async function roundTrip(proxy) {
  const { body: list } = await h.getJson(`${proxy.url}/json/list`);
  const target = list.find((t) => t.type === 'page');
  const ws = await h.openSocket(target.webSocketDebuggerUrl);
  for (let i = 0; i < 200; i++) await h.command(ws, 'Runtime.evaluate', { expression: '1' });
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < COMMANDS; i++) await h.command(ws, 'Runtime.evaluate', { expression: '1' });
  const us = Number(process.hrtime.bigint() - t0) / 1000 / COMMANDS;
  ws.close();
  return us;
}

// What the page runs: for ms milliseconds, every timer tick does all the work due by then (5
// console.log and 2 fetches per millisecond, the fetches spread over the sink origins, at most
// 600 in flight: with more, Chromium fails some itself); then it waits up to 30 s for the fetches still open. Returns its own counts.
const FLOOD = `async (ms, origins) => {
  let logs = 0, fetches = 0, ok = 0, failed = 0, inflight = 0, capped = 0;
  const t0 = performance.now();
  await new Promise((resolve) => {
    const tick = () => {
      const t = Math.min(performance.now() - t0, ms);
      while (logs < t * 5) console.log('flood', logs++);
      while (fetches < t * 2) {
        if (inflight >= 600) { capped++; break; }
        const i = fetches++;
        inflight++;
        fetch(origins[i % origins.length] + '/noop?' + i).then((r) => r.text())
          .then(() => ok++, () => failed++).finally(() => inflight--);
      }
      if (t < ms) setTimeout(tick, 1); else resolve();
    };
    tick();
  });
  const produced = performance.now() - t0;
  const drainUntil = performance.now() + 30000;
  while (inflight > 0 && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 10));
  return { logs, fetches, ok, failed, open: inflight, capped, ms: produced };
}`;

// A fresh target at /quiet, the flood run in it through a page-level socket that enables no
// domain (so no client but the monitor receives its console messages); returns its counts.
async function flood(proxy, site, seconds) {
  const browserWs = await m.browserSocket(proxy.url);
  const { targetId } = await h.command(browserWs, 'Target.createTarget', { url: `${site.url}/quiet` });
  browserWs.close();
  await h.sleep(500);
  const ws = await h.openSocket(`${proxy.url.replace('http', 'ws')}/devtools/page/${targetId}`);
  const r = await h.command(ws, 'Runtime.evaluate', {
    expression: `(${FLOOD})(${seconds * 1000}, ${JSON.stringify(site.sinks)})`,
    awaitPromise: true, returnByValue: true,
  });
  ws.close();
  if (r.exceptionDetails) throw new Error(`the flood failed: ${JSON.stringify(r.exceptionDetails)}`);
  return { targetId, ...r.result.value };
}

async function main() {
  h.requirePrerequisites();
  // The npm clients live with the integration tests.
  const { chromium } = require(require.resolve('playwright-core', { paths: [path.join(__dirname, '../integration')] }));
  const dir = h.tmpDir('faultline-bench-monitor-');
  const chromePort = await h.freePort();
  const chrome = await h.startChromium({ port: chromePort, logFile: path.join(dir, 'chromium.log') });
  const site = await startSiteProcess();
  const upstream = ['--upstream', `127.0.0.1:${chromePort}`];
  try {
    // Alternate the two set-ups so that drift on a shared machine hits both.
    const on = [], off = [], rttOn = [], rttOff = [];
    for (let round = 0; round < (SHORT ? 1 : 3); round++) {
      let proxy = await startProxy(['--no-monitor', ...upstream]);
      off.push(await pageLoads(proxy, site, chromium));
      rttOff.push(await roundTrip(proxy));
      await proxy.stop();
      proxy = await startProxy(upstream);
      await h.waitFor('monitor attached', () => /monitor: attached/.test(proxy.stderr()), 15000);
      if ((await m.telemetry(proxy.hub, 'PUT', m.browserConfig(...ALL))).status !== 201) throw new Error('PUT');
      on.push(await pageLoads(proxy, site, chromium));
      rttOn.push(await roundTrip(proxy));
      await proxy.stop();
    }
    const loadOn = median(on), loadOff = median(off);
    console.log(`page load, 200 subresources: monitor off ${loadOff.toFixed(1)} ms, capture of every category ${loadOn.toFixed(1)} ms: ${(loadOn / loadOff).toFixed(3)}x (limit 1.10x)`);
    const rOn = median(rttOn), rOff = median(rttOff);
    console.log(`command round trip: --no-monitor ${rOff.toFixed(1)} us, monitor running ${rOn.toFixed(1)} us: ${(rOn / rOff).toFixed(3)}x`);

    // What this machine's Chromium reaches with nobody watching: the ceiling for the rate.
    const bare = await startProxy(['--no-monitor', ...upstream]);
    const base = await flood(bare, site, FLOOD_SECONDS);
    await bare.stop();
    const bsec = base.ms / 1000;
    console.log(`flood without the monitor (the page alone): ${(base.logs / bsec).toFixed(0)} logs/s, ` +
      `${(base.fetches / bsec).toFixed(0)} requests/s (${base.failed} failed)`);

    const proxy = await startProxy(upstream);
    await h.waitFor('monitor attached', () => /monitor: attached/.test(proxy.stderr()), 15000);
    await m.telemetry(proxy.hub, 'PUT', m.browserConfig('console', 'network', 'page'));
    const cpu0 = monitorCpuMs(proxy.pid);
    const t0 = Date.now();
    const did = await flood(proxy, site, FLOOD_SECONDS);
    const sec = did.ms / 1000;
    console.log(`flood ${sec.toFixed(1)} s: the page logged ${did.logs} (${(did.logs / sec).toFixed(0)}/s of 5000/s) and ` +
      `fetched ${did.fetches} (${(did.fetches / sec).toFixed(0)}/s of 2000/s; ${did.ok} answered, ${did.failed} failed, ` +
      `${did.open} still open, ${did.capped} ticks at the in-flight cap)`);
    // Read back what the hub stored until it holds everything the page produced (or 60 s).
    const isFlood = (e) => e.data.target_id === did.targetId;
    const isNoop = (e) => isFlood(e) && /\/noop\?\d+$/.test(e.data.url || '');
    let got;
    const count = async () => {
      const ev = await storedEvents(proxy.hub, ['console_log', 'network_request', 'network_response', 'network_loading_failed']);
      const by = (t, f) => ev.filter((e) => e.type === t && f(e)).length;
      got = {
        logs: by('console_log', (e) => isFlood(e) && e.data.text === 'flood'),
        requests: by('network_request', isNoop),
        responses: by('network_response', isNoop),
        failed: by('network_loading_failed', isNoop),
      };
      return got.logs >= did.logs && got.requests >= did.fetches && got.responses + got.failed >= did.ok + did.failed;
    };
    const deadline = Date.now() + 60000;
    while (!(await count()) && Date.now() < deadline) await h.sleep(500);
    const wall = (Date.now() - t0) / 1000;
    const cpu = monitorCpuMs(proxy.pid) - cpu0;
    console.log(`the hub stored (read back by type): console_log ${got.logs}, network_request ${got.requests}, ` +
      `network_response ${got.responses}, network_loading_failed ${got.failed}`);
    const events = got.logs + got.requests + got.responses + got.failed;
    console.log(`monitor thread CPU ${cpu.toFixed(0)} ms over ${wall.toFixed(1)} s wall (${(cpu / wall / 10).toFixed(1)}% of one core); ` +
      `${(events / (cpu / 1000)).toFixed(0)} events per CPU second`);
    const exact = got.logs === did.logs && got.requests === did.fetches && got.responses === did.ok &&
      got.failed === did.failed && did.open === 0;
    console.log(exact ? 'counts exact: no event lost' : 'COUNTS DIFFER: events were lost');
    const rate = Math.min(did.logs / sec / 5000, did.fetches / sec / 2000);
    console.log(`target rate reached: ${(rate * 100).toFixed(0)}% (the lower of logs and requests); ` +
      `requests/s with the monitor vs without: ${((did.fetches / sec) / (base.fetches / bsec)).toFixed(2)}x`);
    await proxy.stop();
    if (!exact) process.exitCode = 1;
  } finally {
    await site.close();
    await chrome.kill();
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
