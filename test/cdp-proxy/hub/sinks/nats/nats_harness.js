// Shared by the NATS sink tests: real nats-server processes and real cdp-proxy hubs on
// loopback ports, events posted over HTTP, and the JetStream stream read back with npm's
// independent `nats` client.
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');
const { connect } = require('nats');

const CDP_PROXY = process.env.CDP_PROXY;
const NATS_SERVER = process.env.NATS_SERVER || 'nats-server';
const children = new Set();
const started = [];  // every process, for the sanitizer check at the end

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function tmpdir(name) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `faultline-${name}-`));
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

function canConnect(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('connect', () => { s.destroy(); resolve(true); });
    s.on('error', () => resolve(false));
  });
}

async function waitFor(what, pred, ms = 20000, every = 50) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await pred()) return;
    await sleep(every);
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

// A child process whose output is kept (and shown when a test fails).
function start(cmd, args, name) {
  const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  p.output = '';
  p.name = name;
  p.stdout.on('data', (d) => { p.output += d; });
  p.stderr.on('data', (d) => { p.output += d; });
  p.exited = new Promise((r) => p.on('exit', (code, sig) => { children.delete(p); r({ code, sig }); }));
  children.add(p);
  started.push(p);
  return p;
}

async function stop(p, sig = 'SIGTERM') {
  if (p.exitCode !== null || p.signalCode !== null) return p.exited;
  p.kill(sig);
  return p.exited;
}

// nats-server -js on a loopback port. cluster: {name, port, routes: [ports], server}.
async function startNats({ port, dir, cluster, args = [] } = {}) {
  port = port || await freePort();
  dir = dir || tmpdir('nats');
  const a = ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', dir, ...args];
  if (cluster) {
    a.push('-n', cluster.server, '--cluster_name', cluster.name,
      '--cluster', `nats://127.0.0.1:${cluster.port}`,
      '--routes', cluster.routes.map((r) => `nats://127.0.0.1:${r}`).join(','));
  }
  const p = start(NATS_SERVER, a, `nats-server:${port}`);
  p.port = port;
  p.dir = dir;
  p.url = `nats://127.0.0.1:${port}`;
  await waitFor(`nats-server on ${port}`, async () => {
    if (p.exitCode !== null) throw new Error(`nats-server exited: ${p.output}`);
    return canConnect(port);
  });
  return p;
}

// cdp-proxy (the hub) with a NATS sink. Returns the process with .port, .url, .dataDir.
async function startHub({ port, dataDir, nats, host = 'vm-1', args = [], waitHealthy = true } = {}) {
  port = port || await freePort();
  dataDir = dataDir || tmpdir('hub');
  const a = ['--api-listen', `127.0.0.1:${port}`, '--cdp-listen', '127.0.0.1:0',
    '--data-dir', dataDir, '--host', host, '--journal-commit-ms', '20', ...args];
  if (nats) a.push('--nats', nats);
  const p = start(CDP_PROXY, a, `hub:${host}`);
  Object.assign(p, { port, dataDir, host, url: `http://127.0.0.1:${port}` });
  if (waitHealthy) {
    await waitFor(`hub on ${port}`, async () => {
      if (p.exitCode !== null) throw new Error(`cdp-proxy exited: ${p.output}`);
      try { return (await fetch(`${p.url}/healthz`)).ok; } catch { return false; }
    });
  }
  return p;
}

function crashEvent(id, n) {
  return JSON.stringify({
    type: 'service_crashed', source: { kind: 'test' }, id,
    data: { service_name: `svc${n % 7}`, group_name: 'g', from_state: 'RUNNING', pid: n, expected: false, fatal: false },
  });
}

// Posts NDJSON; resolves the response JSON or throws on a non-200.
async function post(hub, lines) {
  const r = await fetch(`${hub.url}/telemetry/events`, {
    signal: AbortSignal.timeout(15000), method: 'POST', headers: { 'Content-Type': 'application/x-ndjson' }, body: lines.join('\n') + '\n',
  });
  if (r.status !== 200) throw new Error(`POST answered ${r.status}: ${await r.text()}`);
  return r.json();
}

async function metrics(hub) {
  const text = await (await fetch(`${hub.url}/metrics`, { signal: AbortSignal.timeout(10000) })).text();
  const m = {};
  for (const line of text.split('\n')) {
    const hit = /^(faultline_[a-z_]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (hit) m[hit[1] + (hit[2] || '')] = Number(hit[3]);
  }
  return m;
}

// Waits until the sink has acknowledged everything durable.
async function waitExported(hub, ms = 60000) {
  await waitFor('the sink to catch up', async () => {
    const m = await metrics(hub);
    return m['faultline_sink_lag_events{sink="nats"}'] === 0 &&
      m['faultline_sink_cursor{sink="nats"}'] === m.faultline_hub_last_seq;
  }, ms, 100);
}

// Every event the hub's journal holds, from GET /telemetry/events.
async function journal(hub) {
  const out = [];
  let since = 0;
  for (;;) {
    const page = await (await fetch(`${hub.url}/telemetry/events?since=${since}&limit=10000`)).json();
    // A page tells of seqs no event holds (those a crash skipped) with an events_dropped
    // notice of reason 'expired': the reader's note, not a stored event, so no sink exports it.
    out.push(...page.events.filter((e) => !(e.type === 'events_dropped' && e.data.reason === 'expired')));
    if (page.next_since === since || page.events.length === 0) return out;
    since = page.next_since;
  }
}

// Every message of a stream, in stream order: {subject, seq, msgId, fseq, event}. Around a
// cluster failover the npm client can stall creating its consumer: each attempt gets 30 s.
async function readStream(url, stream = 'FAULTLINE', attempts = 1) {
  for (let i = 1; ; ++i) {
    let timer;
    const limit = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`reading stream ${stream} took over 30 s`)), 30000);
    });
    try {
      return await Promise.race([readStreamOnce(url, stream), limit]);
    } catch (err) {
      if (i >= attempts) throw err;
      console.log(`attempt ${i} to read the stream failed (${err.message}); again`);
    } finally {
      clearTimeout(timer);
    }
  }
}

async function readStreamOnce(url, stream) {
  const nc = await connect({ servers: url });
  try {
    const jsm = await nc.jetstreamManager();
    const total = (await jsm.streams.info(stream)).state.messages;
    const out = [];
    if (total === 0) return out;
    const consumer = await nc.jetstream().consumers.get(stream);
    const messages = await consumer.consume();
    const timer = setTimeout(() => messages.stop(), 30000);  // then the count check below fails
    for await (const m of messages) {
      out.push({
        subject: m.subject, seq: m.seq,
        msgId: m.headers && m.headers.get('Nats-Msg-Id'),
        fseq: m.headers && Number(m.headers.get('Faultline-Seq')),
        event: JSON.parse(m.string()),
      });
      if (out.length >= total) break;
    }
    clearTimeout(timer);
    await messages.close();
    if (out.length < total) throw new Error(`read ${out.length} of the stream's ${total} messages in 30 s`);
    return out;
  } finally {
    await nc.close();
  }
}

async function instanceId(hub) {
  return fs.readFileSync(path.join(hub.dataDir, 'instance-id'), 'utf8').trim();
}

// Asserts msgs (one hub's) hold each journal event exactly once with the right subject and
// headers; inOrder: also in seq order. Returns a summary string.
function checkExactlyOnce(msgs, events, { instance, host, inOrder = true }) {
  const bySeq = new Map();
  for (const m of msgs) {
    if (bySeq.has(m.event.seq)) throw new Error(`seq ${m.event.seq} is in the stream twice`);
    bySeq.set(m.event.seq, m);
  }
  if (msgs.length !== events.length)
    throw new Error(`stream holds ${msgs.length} events, the journal ${events.length}`);
  for (const e of events) {
    const m = bySeq.get(e.seq);
    if (!m) throw new Error(`seq ${e.seq} (id ${e.id}) never reached the stream`);
    if (m.event.id !== e.id) throw new Error(`seq ${e.seq}: stream has id ${m.event.id}, journal ${e.id}`);
    const subject = `faultline.${host}.${e.category}.${e.type}`;
    if (m.subject !== subject) throw new Error(`seq ${e.seq}: subject ${m.subject}, want ${subject}`);
    if (m.msgId !== `${instance}:${e.seq}`) throw new Error(`seq ${e.seq}: Nats-Msg-Id ${m.msgId}`);
    if (m.fseq !== e.seq) throw new Error(`seq ${e.seq}: Faultline-Seq ${m.fseq}`);
  }
  if (inOrder)
    for (let i = 1; i < msgs.length; ++i)
      if (msgs[i].event.seq <= msgs[i - 1].event.seq)
        throw new Error(`out of order: seq ${msgs[i].event.seq} after ${msgs[i - 1].event.seq}`);
  return `${msgs.length} events, each once${inOrder ? ', in seq order' : ''}`;
}

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

// Runs a test body; on failure prints every child's output; always cleans up. Exits 0/1.
// A sanitizer report or a hub's schema violation in any child's output fails it too.
function run(name, body) {
  const t0 = Date.now();
  body().then(() => {
    // Under -Db_sanitize a report in any child's output fails the test.
    for (const c of started)
      if (/ERROR: (Address|Leak)Sanitizer|runtime error:/.test(c.output))
        throw new Error(`sanitizer report from ${c.name}:\n${c.output.slice(-4000)}`);
    // The hub holds its in-process events to the schema and logs each violation.
    for (const c of started)
      if (c.output.includes('schema violation:'))
        throw new Error(`${c.name} logged events off the schema:\n${c.output.split('\n').filter((l) => l.includes('schema violation:')).join('\n')}`);
  }).then(() => {
    console.log(`ok - ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }, (err) => {
    console.error(`not ok - ${name}: ${err.stack || err}`);
    for (const c of children) console.error(`--- ${c.name} output ---\n${c.output.slice(-4000)}`);
    process.exitCode = 1;
  }).finally(async () => {
    for (const c of [...children]) c.kill('SIGKILL');
    process.exit(process.exitCode || 0);
  });
}

module.exports = {
  sleep, tmpdir, freePort, waitFor, start, stop, startNats, startHub, crashEvent, post,
  metrics, waitExported, journal, readStream, instanceId, checkExactlyOnce, assert, run,
};
