// Shared helpers for the CDP proxy's integration tests and benchmarks: free ports, a real
// headless Chromium (Debian's /usr/bin/chromium) logging to a file, the proxy binary with its
// events, and small assertion/timing helpers. No mocks: every peer is the real program.
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SKIP = 77;

function skip(why) {
  console.log(`SKIP: ${why}`);
  process.exit(SKIP);
}

// Exits with 77 (meson SKIP) when the machine cannot run these tests.
function requirePrerequisites() {
  if (!process.env.CDP_PROXY) skip('CDP_PROXY is not set (run through meson test)');
  if (!fs.existsSync(CHROMIUM)) skip(`${CHROMIUM} is not installed`);
  try {
    require.resolve('chrome-remote-interface');
  } catch {
    skip('npm clients missing: run `npm ci` in test/integration (test/run.sh does)');
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function tmpDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function waitFor(what, fn, timeoutMs = 15000, everyMs = 50) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
}

async function getJson(url, headers = {}) {
  const res = await fetch(url, { headers });
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, headers: res.headers, body };
}

// Headless Chromium with its DevTools port on 127.0.0.1:<port> and stderr appended to logFile.
async function startChromium({ port, logFile }) {
  const userDataDir = tmpDir('faultline-chromium-');
  const log = fs.openSync(logFile, 'a');
  const args = [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--disable-dev-shm-usage', `--user-data-dir=${userDataDir}`, `--remote-debugging-port=${port}`,
    '--enable-logging=stderr', 'about:blank',
  ];
  // Own process group: the launcher script, the browser and its helpers die together.
  const proc = spawn(CHROMIUM, args, { stdio: ['ignore', log, log], detached: true });
  fs.closeSync(log);
  const exited = new Promise((r) => proc.on('exit', r));
  const version = await waitFor(`Chromium on port ${port}`,
    async () => (await getJson(`http://127.0.0.1:${port}/json/version`)).body.webSocketDebuggerUrl,
    30000, 100);
  return {
    port,
    wsUrl: version,
    // SIGSTOP / SIGCONT the whole browser (a hung Chromium).
    signal(sig) { process.kill(-proc.pid, sig); },
    async kill(signal = 'SIGKILL') {
      try { process.kill(-proc.pid, signal); } catch {}
      await Promise.race([exited, sleep(10000)]);
      // The port is free again once nothing accepts on it.
      await waitFor('Chromium port to close', () => new Promise((resolve) => {
        const s = net.connect(port, '127.0.0.1');
        s.on('connect', () => { s.destroy(); resolve(false); });
        s.on('error', () => resolve(true));
      }), 10000);
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

// Splits a Server-Sent Events stream into its events: feed it each chunk (a string), get back
// the events completed so far as {id, data} (data: the data lines joined; '' for a heartbeat).
function sseSplitter() {
  let buf = '';
  return (chunk) => {
    buf += chunk;
    const out = [];
    let end;
    while ((end = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, end);
      buf = buf.slice(end + 2);
      const id = (block.match(/^id: (\d+)$/m) || [])[1];
      const data = block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n');
      out.push({ id, data });
    }
    return out;
  };
}

// Reads the hub's Server-Sent Events stream from seq 1 on and pushes each event into events.
// Connection: close, so no idle keep-alive connection is left for the hub to wait on at exit.
function followHub(url, events) {
  const http = require('http');
  return new Promise((resolve, reject) => {
    const req = http.get(`${url}/telemetry/stream?since=0`,
      { agent: false, headers: { Accept: 'text/event-stream', Connection: 'close' } }, (res) => {
        if (res.statusCode !== 200) return reject(new Error(`hub stream answered ${res.statusCode}`));
        const split = sseSplitter();
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          for (const { data } of split(chunk)) {
            if (!data) continue;
            const e = JSON.parse(data);
            if (e.type && e.data) events.push(e);
          }
        });
        res.on('error', () => {});
        resolve();
      });
    req.on('error', reject);
  });
}

// Every proxy started, for run()'s check: none of their hubs may log a schema violation.
const started = [];

// The proxy binary (CDP_PROXY) with args; resolves once it listens. Events come from its stdout
// (NDJSON, one event per line) for proxy_standalone, or, with CDP_PROXY_HUB=1 (the real
// cdp-proxy), from the hub's SSE stream /telemetry/stream.
// prefix: a command that runs the proxy (e.g. strace with fault injection); stop() then
// signals the proxy itself, the prefix's child.
// follow: false leaves the hub's stream unread (benchmarks: no SSE parsing in this process).
async function startProxy(args, { prefix = [], follow = true } = {}) {
  const exe = process.env.CDP_PROXY;
  const hub = process.env.CDP_PROXY_HUB === '1';
  const extra = hub ? ['--api-listen', '127.0.0.1:0', '--data-dir', ''] : [];
  const argv = [...prefix, exe, '--cdp-listen', '127.0.0.1:0', ...extra, ...args];
  const proc = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  const target = () => {
    if (!prefix.length) return proc.pid;
    try {
      return Number(fs.readFileSync(`/proc/${proc.pid}/task/${proc.pid}/children`, 'utf8').trim().split(/\s+/)[0]) || proc.pid;
    } catch { return proc.pid; }
  };
  const events = [];
  let stderr = '';
  let out = '';
  proc.stdout.on('data', (d) => {
    out += d;
    let nl;
    while ((nl = out.indexOf('\n')) >= 0) {
      const line = out.slice(0, nl);
      out = out.slice(nl + 1);
      if (line.trim() && !hub) events.push(JSON.parse(line));
    }
  });
  proc.stderr.on('data', (d) => { stderr += d; });
  started.push(() => stderr);
  if (hub) {
    const hubUrl = await waitFor('the hub to listen', () => {
      const m = /telemetry hub on (http:\/\/[^\s]+)/.exec(stderr);
      return m && m[1];
    }, 10000, 20);
    if (follow) await followHub(hubUrl, events);
  }
  const exited = new Promise((r) => proc.on('exit', (code, sig) => r({ code, sig })));
  const port = await waitFor('the proxy to listen', () => {
    const m = /listening on port (\d+)/.exec(stderr);
    return m && Number(m[1]);
  }, 10000, 20);
  return {
    port,
    hubUrl: hub ? /telemetry hub on (http:\/\/[^\s]+)/.exec(stderr)[1] : null,
    pid: target(),
    url: `http://127.0.0.1:${port}`,
    events: () => events.slice(),
    stderr: () => stderr,
    // The first event matching pred, waiting up to timeoutMs.
    waitEvent(what, pred, timeoutMs = 15000) {
      return waitFor(what, () => events.find(pred), timeoutMs, 20);
    },
    async stop(signal = 'SIGTERM') {
      try { process.kill(target(), signal); } catch { proc.kill(signal); }
      const r = await Promise.race([exited, sleep(15000).then(() => null)]);
      if (!r) {
        proc.kill('SIGKILL');
        throw new Error('the proxy did not exit within 15 s of ' + signal);
      }
      return r;
    },
  };
}

const disconnectOf = (id) => (e) => e.type === 'cdp_disconnect' && e.data.connection_id === id;

function check(cond, message) {
  if (!cond) throw new Error(`assertion failed: ${message}`);
}

function equal(actual, expected, message) {
  if (actual !== expected)
    throw new Error(`assertion failed: ${message}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

// Runs named async steps in order, printing each; any failure exits 1 after cleanup.
async function run(steps, cleanup) {
  let failed = false;
  for (const [name, fn] of steps) {
    const t0 = Date.now();
    try {
      await fn();
      console.log(`ok - ${name} (${Date.now() - t0} ms)`);
    } catch (e) {
      failed = true;
      console.log(`not ok - ${name}: ${e.stack || e}`);
      break;
    }
  }
  try {
    await cleanup();
  } catch (e) {
    failed = true;  // e.g. a proxy that did not exit on SIGTERM
    console.log(`not ok - cleanup: ${e}`);
  }
  // The hub checks its in-process events (monitor, proxy, its own) against the schema and logs
  // each violation: an event our own OpenAPI would reject fails the test that produced it.
  const violations = started.flatMap((err) => err().split('\n').filter((l) => l.includes('schema violation:')));
  if (violations.length) {
    failed = true;
    console.log(`not ok - events match the schema:\n${violations.join('\n')}`);
  }
  process.exit(failed ? 1 : 0);
}

module.exports = {
  requirePrerequisites, skip, sleep, tmpDir, freePort, waitFor, getJson, startChromium, startProxy,
  disconnectOf, check, equal, run, followHub, sseSplitter,
};

// Sends raw bytes to 127.0.0.1:port and reads until the server closes (the proxy answers
// everything but a 101 with Connection: close). Resolves {status, headers, body, raw}.
function rawRequest(port, bytes, timeoutMs = 10000) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    const chunks = [];
    const timer = setTimeout(() => { s.destroy(); reject(new Error('raw request timed out')); }, timeoutMs);
    s.on('connect', () => s.write(bytes));
    // Done at close, or once Content-Length bytes of body are in (Chromium keeps connections open).
    s.on('data', (d) => {
      chunks.push(d);
      const raw = Buffer.concat(chunks).toString('latin1');
      const end = raw.indexOf('\r\n\r\n');
      const m = /\r\ncontent-length:\s*(\d+)/i.exec(raw.slice(0, end));
      if (end >= 0 && m && raw.length >= end + 4 + Number(m[1])) s.end();
    });
    s.on('error', (e) => { clearTimeout(timer); reject(e); });
    s.on('close', () => {
      clearTimeout(timer);
      const raw = Buffer.concat(chunks).toString('latin1');
      const end = raw.indexOf('\r\n\r\n');
      const head = end >= 0 ? raw.slice(0, end) : raw;
      const lines = head.split('\r\n');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(lines[0] || '');
      const headers = {};
      for (const l of lines.slice(1)) {
        const c = l.indexOf(':');
        if (c > 0) headers[l.slice(0, c).trim().toLowerCase()] = l.slice(c + 1).trim();
      }
      resolve({ status: m ? Number(m[1]) : 0, headers, body: end >= 0 ? raw.slice(end + 4) : '', raw });
    });
  });
}

// An HTTP GET/PUT with full control of the headers (fetch forbids setting Host).
function httpRequest(port, method, target, headers = {}) {
  const lines = [`${method} ${target} HTTP/1.1`];
  if (!Object.keys(headers).some((h) => h.toLowerCase() === 'host')) lines.push(`Host: 127.0.0.1:${port}`);
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  if (method === 'PUT') lines.push('Content-Length: 0');
  return rawRequest(port, lines.join('\r\n') + '\r\n\r\n').then((r) => {
    try { r.json = JSON.parse(r.body); } catch {}
    return r;
  });
}

// A WebSocket opening handshake head (valid unless fields are overridden/removed with null).
function upgradeRequest(target, port, override = {}) {
  const fields = {
    Host: `127.0.0.1:${port}`,
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version': '13',
    ...override,
  };
  let head = `GET ${target} HTTP/1.1\r\n`;
  for (const [k, v] of Object.entries(fields)) if (v !== null) head += `${k}: ${v}\r\n`;
  return head + '\r\n';
}

// Opens a WebSocket (node `ws`, as the CDP clients use it) and resolves once open.
function openSocket(url, options = {}) {
  const WebSocket = require('ws');
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 256 * 1024 * 1024, ...options });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (req, res) => reject(new Error(`unexpected HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

// Sends one CDP command on a raw socket and resolves with its reply.
function command(ws, method, params = {}, sessionId) {
  const id = (ws._nextId = (ws._nextId || 0) + 1);
  return new Promise((resolve, reject) => {
    const onMessage = (data) => {
      const msg = JSON.parse(data.toString());
      if (msg.id !== id) return;
      ws.off('message', onMessage);
      if (msg.error) reject(new Error(`${method}: ${msg.error.message}`));
      else resolve(msg.result);
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify(sessionId ? { id, method, params, sessionId } : { id, method, params }));
  });
}

Object.assign(module.exports, { rawRequest, httpRequest, upgradeRequest, openSocket, command });

// The four client libraries connected through a proxy, each with a promise of how its connection
// ended as that library reports it: {code, reason} where the library exposes them (node `ws`;
// chrome-remote-interface's socket; Playwright puts the close reason into the error of a call
// pending at the disconnect), {} for Puppeteer (its transport hides both).
async function connectClients(proxy) {
  const { chromium } = require('playwright-core');
  const puppeteer = require('puppeteer-core');
  const CDP = require('chrome-remote-interface');
  const wsClient = await openSocket(`ws://127.0.0.1:${proxy.port}/devtools/browser/x`);
  await command(wsClient, 'Browser.getVersion');
  const cri = await CDP({ host: '127.0.0.1', port: proxy.port });  // a page-level socket
  await cri.Runtime.evaluate({ expression: '1' });
  const pw = await chromium.connectOverCDP(proxy.url);
  const pwPage = pw.contexts()[0].pages()[0] || await pw.contexts()[0].newPage();
  const pending = pwPage.evaluate(() => new Promise(() => {})).then(() => null, (e) => e.message);
  const pp = await puppeteer.connect({ browserURL: proxy.url });
  const socketClose = (ws) => new Promise((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString(), at: Date.now() })));
  return {
    ws: socketClose(wsClient),
    cri: socketClose(cri._ws),
    playwright: new Promise((resolve) => pw.once('disconnected', async () => {
      const at = Date.now();
      resolve({ reason: await pending, at });
    })),
    puppeteer: new Promise((resolve) => pp.once('disconnected', () => resolve({ at: Date.now() }))),
  };
}

// Waits for every client of connectClients and checks what each library reports.
async function expectClosed(clients, code, reasonPrefix, timeoutMs = 30000) {
  const out = {};
  for (const [name, p] of Object.entries(clients)) {
    const r = await Promise.race([p, sleep(timeoutMs).then(() => null)]);
    check(r, `${name}: the connection ended within ${timeoutMs} ms`);
    if ('code' in r) equal(r.code, code, `${name}: close code`);
    if ('reason' in r) {
      if (name === 'playwright') check(r.reason && r.reason.includes(reasonPrefix), `${name}: the error names the reason: ${r.reason}`);
      else check(r.reason.startsWith(reasonPrefix), `${name}: close reason ${JSON.stringify(r.reason)}`);
    }
    out[name] = r;
  }
  return out;
}

Object.assign(module.exports, { connectClients, expectClosed });
