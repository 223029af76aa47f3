// Benchmark: the CDP monitor's cost, in one run with one headless Chromium and a local site:
//   - page load time of a page with 200 subresources, capture of every category on vs the
//     proxy with --no-monitor (the monitor's budget: at most 1.10x);
//   - a page producing 5,000 console messages and 2,000 requests per second for 10 s: every
//     event arrives in the hub (counts exact, from the hub's own counters), and the monitor
//     thread's CPU time;
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

// FAULTLINE_BENCH_SHORT=1: a short run, so the suite can run it once (numbers mean nothing).
const SHORT = !!Number(process.env.FAULTLINE_BENCH_SHORT || 0);
const LOADS = Number(process.env.BENCH_LOADS || (SHORT ? 2 : 15));
const COMMANDS = SHORT ? 100 : 2000;
const FLOOD_SECONDS = Number(process.env.BENCH_FLOOD_SECONDS || (SHORT ? 1 : 10));
const ALL = ['console', 'network', 'page', 'interaction', 'screenshot'];

// The site in a child process; resolves {url, close}.
async function startSiteProcess() {
  const proc = spawn(process.execPath, [path.join(__dirname, 'bench_site.js')], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  proc.stdout.on('data', (d) => { out += d; });
  const url = await h.waitFor('the site', () => /^(http:\S+)/m.exec(out)?.[1], 10000, 20);
  return { url, close: async () => proc.kill('SIGTERM') };
}

// cdp-proxy with its hub and nobody reading the stream (the hub's counters are the count).
async function startProxy(args) {
  const proc = spawn(process.env.CDP_PROXY, ['--cdp-listen', '127.0.0.1:0', '--api-listen', '127.0.0.1:0',
    '--data-dir', '', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr.on('data', (d) => { err += d; });
  const exited = new Promise((r) => proc.on('exit', r));
  const port = await h.waitFor('the proxy', () => Number(/listening on port (\d+)/.exec(err)?.[1]), 10000, 20);
  return {
    pid: proc.pid,
    url: `http://127.0.0.1:${port}`,
    hub: /telemetry hub on (http:\/\/\S+)/.exec(err)[1],
    stderr: () => err,
    stop: async () => { proc.kill('SIGTERM'); await exited; },
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ticks = () => 100;  // USER_HZ on Linux

// utime + stime of the proxy's monitor thread, in milliseconds.
function monitorCpuMs(pid) {
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    if (fs.readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim() !== 'cdp-monitor') continue;
    const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / ticks();
  }
  throw new Error('no cdp-monitor thread');
}

async function counters(hub) {
  const text = await (await fetch(`${hub}/metrics`)).text();
  const out = {};
  for (const mm of text.matchAll(/^faultline_hub_events_ingested_total\{type="([^"]+)"\} (\d+)$/gm))
    out[mm[1]] = Number(mm[2]);
  return out;
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

// 5,000 console.log and 2,000 fetches per second for the given time, paced by the clock (a
// slow tick catches up), at most 200 fetches in flight; resolves with what the page did.
async function flood(proxy, site, chromium, seconds) {
  const browser = await chromium.connectOverCDP(proxy.url);
  const page = await browser.contexts()[0].newPage();
  await page.goto(`${site.url}/quiet`, { waitUntil: 'load' });
  await h.sleep(300);
  const done = await page.evaluate(async (ms) => {
    let logs = 0, fetches = 0, failed = 0, inflight = 0;
    const t0 = performance.now();
    await new Promise((resolve) => {
      const tick = () => {
        const t = Math.min(performance.now() - t0, ms);
        while (logs < t * 5) console.log('flood', logs++);
        while (fetches < t * 2 && inflight < 200) {
          fetches++, inflight++;
          fetch(`/noop?${fetches}`).then((r) => r.text()).catch(() => failed++).finally(() => inflight--);
        }
        if (t < ms || fetches < ms * 2) setTimeout(tick, 5); else resolve();
      };
      tick();
    });
    while (inflight > 0) await new Promise((r) => setTimeout(r, 10));
    return { logs, fetches, failed, ms: performance.now() - t0 };
  }, seconds * 1000);
  await page.close();
  await browser.close();
  return done;
}

async function main() {
  h.requirePrerequisites();
  // The npm clients live with the integration tests.
  const { chromium } = require(require.resolve('playwright-core', { paths: [path.join(__dirname, '../integration')] }));
  const dir = h.tmpDir('faultline-bench-monitor-');
  const chromePort = await h.freePort();
  const chrome = await h.startChromium({ port: chromePort, logFile: path.join(dir, 'chromium.log') });
  const site = await startSiteProcess();
  const upstream = ['--upstream', `127.0.0.1:${chromePort}`, '--ring-capacity', '200000'];
  try {
    // Alternate the two set-ups so that drift on a shared machine hits both.
    const on = [], off = [], rttOn = [], rttOff = [];
    for (let round = 0; round < 3; round++) {
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

    const proxy = await startProxy(upstream);
    await h.waitFor('monitor attached', () => /monitor: attached/.test(proxy.stderr()), 15000);
    await m.telemetry(proxy.hub, 'PUT', m.browserConfig('console', 'network', 'page'));
    const before = await counters(proxy.hub);
    const cpu0 = monitorCpuMs(proxy.pid);
    const t0 = Date.now();
    const did = await flood(proxy, site, chromium, FLOOD_SECONDS);
    // Wait until the hub has counted everything the page did (or give up after 30 s).
    const want = (c) => (c.console_log || 0) - (before.console_log || 0) >= did.logs &&
      (c.network_response || 0) + (c.network_loading_failed || 0) -
        (before.network_response || 0) - (before.network_loading_failed || 0) >= did.fetches;
    let after = before;
    const deadline = Date.now() + 30000;
    while (Date.now() < deadline && !want(after = await counters(proxy.hub))) await h.sleep(200);
    const wall = (Date.now() - t0) / 1000;
    const cpu = monitorCpuMs(proxy.pid) - cpu0;
    const got = (t) => (after[t] || 0) - (before[t] || 0);
    const sec = did.ms / 1000;
    console.log(`flood ${sec.toFixed(1)} s: the page logged ${did.logs} (${(did.logs / sec).toFixed(0)}/s) and fetched ${did.fetches} ` +
      `(${(did.fetches / sec).toFixed(0)}/s, ${did.failed} failed in the page); the hub counted console_log ${got('console_log')}, ` +
      `network_request ${got('network_request')} (1 is the page itself), network_response ${got('network_response')}, ` +
      `network_loading_failed ${got('network_loading_failed')}`);
    const events = got('console_log') + got('network_request') + got('network_response') + got('network_loading_failed');
    console.log(`monitor thread CPU ${cpu.toFixed(0)} ms over ${wall.toFixed(1)} s wall (${(cpu / wall / 10).toFixed(1)}% of one core); ` +
      `${(events / (cpu / 1000)).toFixed(0)} events per CPU second`);
    const exact = got('console_log') === did.logs && got('network_request') === did.fetches + 1 &&
      got('network_response') + got('network_loading_failed') === did.fetches + 1;
    console.log(exact ? 'counts exact: no event lost' : 'COUNTS DIFFER: events were lost');
    await proxy.stop();
    if (!exact) process.exitCode = 1;
  } finally {
    await site.close();
    await chrome.kill();
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
