// Sink throughput: the hub's S2 and OTLP sinks exporting a journal backlog (EVENTS events,
// posted while no sink ran) to their test servers, in events/s as the server sees them (first
// request to last answer), against the floor: a separate client (sink_floor.js) posting the
// very same request bodies to the same server, one at a time. Best of ROUNDS alternating runs
// each (the machine is shared: single runs are noisy). Prints each ratio.
//   CDP_PROXY=build/cdp-proxy/cdp-proxy node test/bench/bench_sinks.js [EVENTS]
'use strict';
const { spawn, execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const integration = path.join(__dirname, '..', 'integration');
const h = require(path.join(integration, 'lib', 'sink_hub'));
const { S2TestServer } = require(path.join(integration, 'lib', 's2_server'));
const { OtlpReceiver } = require(path.join(integration, 'lib', 'otlp_receiver'));

// FAULTLINE_BENCH_SHORT=1: a short run, so the suite can run it once (numbers mean nothing).
const SHORT = !!Number(process.env.FAULTLINE_BENCH_SHORT || 0);
const EVENTS = Number(process.argv[2] || (SHORT ? 500 : 20000));
const TOKEN = 'bench';
const ROUNDS = SHORT ? 1 : 3;

// Times requests at the server: first arrival to last answer.
function timed(server) {
  const t = { first: 0, last: 0, reset() { this.first = this.last = 0; } };
  const handle = server.handle.bind(server);
  server.handle = (req, res) => {
    if (!t.first) t.first = Date.now();
    res.on('finish', () => (t.last = Date.now()));
    handle(req, res);
  };
  return t;
}

// A journal of EVENTS events, written by a hub without sinks.
async function backlog() {
  const hub = await h.startHub({ host: 'vm-bench' });
  await h.postAll(hub, h.events(EVENTS, 'b'), 1000);
  await h.stop(hub);
  return hub.dataDir;
}

function copyDir(from) {
  const to = h.tmpdir('bench-hub');
  execFileSync('cp', ['-a', `${from}/.`, to]);
  return to;
}

async function sinkRun(dataDir, args, name, t) {
  t.reset();
  const hub = await h.startHub({ host: 'vm-bench', dataDir: copyDir(dataDir), args });
  await h.waitExported(hub, name, 300000);
  await h.stop(hub);
  return EVENTS / ((t.last - t.first) / 1000);
}

async function floorRun(url, bodies, headers, t) {
  const file = path.join(h.tmpdir('bench-floor'), 'bodies.json');
  fs.writeFileSync(file, JSON.stringify(bodies.map((b) => ({ ...b, raw: b.raw.toString('base64') }))));
  t.reset();
  const p = spawn(process.execPath, [path.join(__dirname, 'sink_floor.js'), url, file, ...headers], { stdio: 'inherit' });
  const code = await new Promise((r) => p.on('exit', r));
  if (code !== 0) throw new Error('the floor client failed');
  return EVENTS / ((t.last - t.first) / 1000);
}

function report(what, sink, floor, requests) {
  console.log(`${what}: sink ${Math.round(sink)} events/s, floor ${Math.round(floor)} events/s ` +
    `(${requests} requests), ratio ${(sink / floor).toFixed(2)}`);
}

h.run('sink throughput vs the test servers\' floor', async () => {
  const dataDir = await backlog();

  const s2 = await new S2TestServer({ basin: 'faultline-bench', token: TOKEN }).listen();
  const ts2 = timed(s2);
  let s2Sink = 0, s2Floor = 0, s2Bodies = null;
  for (let round = 0; round < ROUNDS; round++) {
    s2.createStream(`sink${round}`);
    s2.bodies = [];
    s2Sink = Math.max(s2Sink, await sinkRun(dataDir, ['--s2-basin', 'faultline-bench', '--s2-stream', `sink${round}`,
      '--s2-endpoint', s2.url, '--s2-token', TOKEN], 's2', ts2));
    s2Bodies = s2Bodies || s2.bodies;
    s2.bodies = null;
    h.assert(s2.stream(`sink${round}`).records.length === EVENTS, 'the sink appended every event');
    s2.createStream(`floor${round}`);
    s2Floor = Math.max(s2Floor, await floorRun(`${s2.url}/v1/streams/floor${round}/records`, s2Bodies,
      ['S2-Basin=faultline-bench', `Authorization=Bearer ${TOKEN}`], ts2));
    h.assert(s2.stream(`floor${round}`).records.length === EVENTS, 'the floor appended every event');
  }
  report('S2 (JSON appends, 1,000 records)', s2Sink, s2Floor, s2Bodies.length);
  await s2.close();

  for (const protocol of ['json', 'protobuf']) {
    const rx = await new OtlpReceiver().listen();
    const t = timed(rx);
    let sink = 0, floor = 0, bodies = null;
    for (let round = 0; round < ROUNDS; round++) {
      rx.bodies = [];
      rx.records = [];
      sink = Math.max(sink, await sinkRun(dataDir, ['--otlp-endpoint', rx.url, '--otlp-protocol', protocol], 'otlp', t));
      h.assert(rx.records.length === EVENTS && rx.violations.length === 0, 'the sink delivered every record');
      bodies = bodies || rx.bodies;
      rx.bodies = null;
      rx.records = [];
      floor = Math.max(floor, await floorRun(rx.url, bodies, [], t));
      h.assert(rx.records.length === EVENTS && rx.violations.length === 0, 'the floor delivered every record');
    }
    report(`OTLP ${protocol} + gzip (512 records)`, sink, floor, bodies.length);
    await rx.close();
  }
});
