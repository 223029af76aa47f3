// Benchmark: the CDP proxy against a direct connection to Chromium and against node's
// http-proxy (ws: true), in one run with one headless Chromium:
//   - round-trip time of 2,000 small commands (Runtime.evaluate "1", one at a time),
//   - transfer time of a 20 MiB Runtime.evaluate result,
//   - resident memory of each proxy process with 200 idle WebSocket connections;
// and the same cdp-proxy path with the control category captured (every command recorded as
// cdp_command, no method excluded): its ratio to the proxy without control (the ratio of the
// medians, and the median of each round's ratio), and the CPU each proxy process spent per
// command (its relay, plus with control the queue that publishes cdp_command).
// Prints each number and its ratio to direct (RSS: proxy vs http-proxy). Not run by the tests:
//   meson test -C build --benchmark proxy      or
//   CDP_PROXY=build/cdp-proxy/cdp-proxy CDP_PROXY_HUB=1 node test/bench/bench_proxy.js
'use strict';
const fs = require('fs');
const path = require('path');
const { spawn } = require('child_process');
const h = require('../integration/lib/proxy_harness');
const { processCpuMs } = require('./proc_cpu');

// FAULTLINE_BENCH_SHORT=1: one short round, so the suite can run it once (numbers mean nothing).
const SHORT = !!Number(process.env.FAULTLINE_BENCH_SHORT || 0);
const ROUNDS = Number(process.env.BENCH_ROUNDS || (SHORT ? 1 : 5));
const COMMANDS = SHORT ? 100 : 2000;
const BIG = 20 * 1024 * 1024;
const IDLE = 200;

function rssKb(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m[1]);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function startHttpProxy(chromePort) {
  const proc = spawn(process.execPath, [path.join(__dirname, 'bench_proxy_httpproxy.js'), String(chromePort)],
    { stdio: ['ignore', 'inherit', 'pipe'] });
  let err = '';
  proc.stderr.on('data', (d) => { err += d; });
  const port = await h.waitFor('http-proxy to listen', () => {
    const m = /listening on port (\d+)/.exec(err);
    return m && Number(m[1]);
  }, 10000, 20);
  return { port, pid: proc.pid, stop: () => proc.kill('SIGTERM') };
}

// Sequential small commands; returns microseconds per round trip.
async function rtt(ws) {
  for (let i = 0; i < 200; i++) await h.command(ws, 'Runtime.evaluate', { expression: '1' });
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < COMMANDS; i++) await h.command(ws, 'Runtime.evaluate', { expression: '1' });
  return Number(process.hrtime.bigint() - t0) / 1000 / COMMANDS;
}

// One 20 MiB result (already built in the page); returns milliseconds, checks the length.
async function transfer(ws) {
  const t0 = process.hrtime.bigint();
  const r = await h.command(ws, 'Runtime.evaluate', { expression: 'globalThis.__big', returnByValue: true });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.result.value.length !== BIG) throw new Error(`short result: ${r.result.value.length}`);
  return ms;
}

async function idleRss(pid, port, browserPath) {
  const before = rssKb(pid);
  const sockets = [];
  for (let i = 0; i < IDLE; i++) sockets.push(await h.openSocket(`ws://127.0.0.1:${port}${browserPath}`));
  await h.sleep(500);
  const after = rssKb(pid);
  for (const s of sockets) s.terminate();
  await h.sleep(500);
  return { before, after };
}

async function main() {
  h.requirePrerequisites();
  const dir = h.tmpDir('faultline-bench-proxy-');
  const chrome = await h.startChromium({ port: await h.freePort(), logFile: path.join(dir, 'chromium.log') });
  const proxy = await h.startProxy(['--upstream', `127.0.0.1:${chrome.port}`]);
  const hp = await startHttpProxy(chrome.port);
  // Its events are not read here (no SSE parsing competing with the measurement): counted
  // from /metrics instead.
  const controlled = await h.startProxy(['--upstream', `127.0.0.1:${chrome.port}`], { follow: false });
  try {
    const put = await fetch(`${controlled.hubUrl}/telemetry`, { method: 'PUT', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ browser: { control: { enabled: true, cdp: { excluded_methods: [] } } } }) });
    if (put.status !== 201) throw new Error(`PUT /telemetry answered ${put.status}`);
    const page = (await h.getJson(`http://127.0.0.1:${chrome.port}/json/list`)).body.find((t) => t.type === 'page');
    const pagePath = `/devtools/page/${page.id}`;
    const browserPath = new URL(chrome.wsUrl).pathname;
    // Memory first, on fresh processes (before the 20 MiB transfers grow node's heap).
    const ours = await idleRss(proxy.pid, proxy.port, browserPath);
    const theirs = await idleRss(hp.pid, hp.port, browserPath);
    console.log(`RSS with ${IDLE} idle connections (kB): cdp-proxy ${ours.before} -> ${ours.after} ` +
      `(+${ours.after - ours.before}), http-proxy ${theirs.before} -> ${theirs.after} (+${theirs.after - theirs.before}); ` +
      `ratio cdp-proxy/http-proxy ${(ours.after / theirs.after).toFixed(2)}`);
    const paths = { direct: chrome.port, 'cdp-proxy': proxy.port, 'http-proxy': hp.port, '+control': controlled.port };
    const sockets = {};
    for (const [name, port] of Object.entries(paths)) sockets[name] = await h.openSocket(`ws://127.0.0.1:${port}${pagePath}`);
    await h.command(sockets.direct, 'Runtime.evaluate', { expression: `globalThis.__big = 'x'.repeat(${BIG}); 0` });

    const results = {};
    for (const name of Object.keys(paths)) results[name] = { rtt: [], transfer: [], cpu: 0 };
    const pids = { 'cdp-proxy': proxy.pid, '+control': controlled.pid };
    const names = Object.keys(paths);
    for (let round = 0; round < ROUNDS; round++) {
      // Interleaved so drift hits every path alike, each round starting one path later so that
      // no path always follows the same one.
      for (const name of names.map((_, i) => names[(i + round) % names.length])) {
        const cpu0 = pids[name] && processCpuMs(pids[name]);
        results[name].rtt.push(await rtt(sockets[name]));
        if (pids[name]) results[name].cpu += (processCpuMs(pids[name]) - cpu0) * 1000;  // us
        for (let i = 0; i < 3; i++) results[name].transfer.push(await transfer(sockets[name]));
      }
    }
    for (const s of Object.values(sockets)) s.close();

    const d = { rtt: median(results.direct.rtt), transfer: median(results.direct.transfer) };
    console.log(`CDP proxy benchmark (Chromium ${chrome.wsUrl.split('/')[2]}, ${ROUNDS} rounds, medians)`);
    console.log(`${'path'.padEnd(12)} ${'rtt us/cmd'.padStart(11)} ${'x direct'.padStart(9)} ${'20MiB ms'.padStart(10)} ${'x direct'.padStart(9)}`);
    for (const name of Object.keys(paths)) {
      const r = median(results[name].rtt), t = median(results[name].transfer);
      console.log(`${name.padEnd(12)} ${r.toFixed(1).padStart(11)} ${(r / d.rtt).toFixed(2).padStart(9)} ` +
        `${t.toFixed(1).padStart(10)} ${(t / d.transfer).toFixed(2).padStart(9)}`);
    }
    const off = median(results['cdp-proxy'].rtt), on = median(results['+control'].rtt);
    const paired = median(results['+control'].rtt.map((x, i) => x / results['cdp-proxy'].rtt[i]));
    const perCmd = (name) => (results[name].cpu / (ROUNDS * COMMANDS)).toFixed(1);
    const metrics = await (await fetch(`${controlled.hubUrl}/metrics`)).text();
    const recorded = Number((/faultline_hub_events_ingested_total\{type="cdp_command"\} (\d+)/.exec(metrics) || [])[1] || 0);
    console.log(`rtt x direct: control off ${(off / d.rtt).toFixed(2)}, control captured ${(on / d.rtt).toFixed(2)}; ` +
      `control on/off rtt ratio ${(on / off).toFixed(2)} (${on / off <= 1.1 ? 'within' : 'NOT within'} 10 %; ` +
      `median of the rounds' ratios ${paired.toFixed(2)}; ` +
      `${recorded} cdp_command events recorded); ` +
      `20MiB ${(median(results['+control'].transfer) / median(results['cdp-proxy'].transfer)).toFixed(2)}`);
    console.log(`proxy CPU per command (us, 10 ms ticks): control off ${perCmd('cdp-proxy')}, ` +
      `control captured ${perCmd('+control')}`);
    if (!recorded) throw new Error('control was captured but no cdp_command was recorded');

  } finally {
    hp.stop();
    await proxy.stop();
    await controlled.stop();
    await chrome.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().then(() => process.exit(0), (e) => { console.error(e.stack || e); process.exit(1); });
