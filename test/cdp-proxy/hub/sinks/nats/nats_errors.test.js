// A wrong URL, a refused connection, a failed authentication, a stream whose subjects do not
// match (and a missing stream with --nats-create-stream=false, a server without JetStream):
// each a clear error at start or in the log and metrics, and the hub keeps serving.
'use strict';
const { spawnSync } = require('child_process');
const { connect } = require('nats');
const h = require('./nats_harness');

// Starts a hub against url, posts an event, and checks log, metrics and /healthz.
async function expectFailing(name, url, cause, logText, args = []) {
  const hub = await h.startHub({ nats: url, host: name, args: ['--nats-unhealthy-after', '1', ...args] });
  const r = await h.post(hub, [h.crashEvent(`${name}:1`, 1)]);
  h.assert(r.recorded === 1, `${name}: the hub stopped recording`);
  await h.waitFor(`${name}: ${logText}`, async () => hub.output.includes(logText), 20000);
  await h.waitFor(`${name}: /healthz reports the sink`, async () => {
    const health = await (await fetch(`${hub.url}/healthz`)).json();
    return health.status === 'degraded' && health.sinks_failing[0].error.startsWith(cause);
  }, 20000);
  const m = await h.metrics(hub);
  h.assert(m[`faultline_sink_failures_total{sink="nats",cause="${cause}"}`] >= 1, `${name}: cause ${cause} not counted`);
  h.assert(m['faultline_sink_lag_events{sink="nats"}'] === 1, `${name}: lag ${m['faultline_sink_lag_events{sink="nats"}']}`);
  h.assert((await fetch(`${hub.url}/telemetry/events?since=0`)).ok, `${name}: pages stopped`);
  const line = hub.output.split('\n').find((l) => l.includes(logText));
  await h.stop(hub);
  return `${name}: ${line}`;
}

h.run('nats: configuration and connection errors', async () => {
  // Syntax errors stop the hub at start with exit 2 and a message naming the flag.
  for (const [url, text] of [['http://127.0.0.1:4222', 'the scheme must be nats:// or tls://'],
    ['nats://:4222', 'is not a NATS server URL'], ['nats://h:99999', 'is not a NATS server URL']]) {
    const r = spawnSync(process.env.CDP_PROXY, ['--nats', url, '--api-listen', '127.0.0.1:0', '--data-dir', ''], { encoding: 'utf8' });
    h.assert(r.status === 2 && r.stderr.includes(`--nats: '${url}'`) && r.stderr.includes(text), `${url}: ${r.status} ${r.stderr}`);
  }
  const refused = await h.freePort();
  const auth = await h.startNats({ args: ['--auth', 'right-token'] });
  const plain = await h.startNats();
  const nojs = h.start('nats-server', ['-a', '127.0.0.1', '-p', String(await h.freePort())], 'nats-no-js');
  const nojsPort = Number(nojs.spawnargs[nojs.spawnargs.indexOf('-p') + 1]);
  await h.waitFor('nats-server without JetStream', async () => {
    try { const c = await connect({ servers: `127.0.0.1:${nojsPort}` }); await c.close(); return true; } catch { return false; }
  });
  const nc = await connect({ servers: plain.url });
  await (await nc.jetstreamManager()).streams.add({ name: 'FAULTLINE', subjects: ['other.>'] });
  await nc.close();
  const lines = await Promise.all([
    expectFailing('unresolvable', 'nats://no-such-host.invalid:4222', 'connect', 'cannot connect to nats://no-such-host.invalid:4222'),
    expectFailing('refused', `nats://127.0.0.1:${refused}`, 'connect', `cannot connect to nats://127.0.0.1:${refused}`),
    expectFailing('badauth', auth.url, 'auth', 'Authorization Violation', ['--nats-token', 'wrong-token']),
    expectFailing('mismatch', plain.url, 'stream', 'stream FAULTLINE takes subjects [other.>], which do not cover faultline.mismatch.'),
    expectFailing('missing', plain.url, 'stream', 'stream ELSEWHERE does not exist (and --nats-create-stream is off)',
      ['--nats-stream', 'ELSEWHERE', '--nats-create-stream=false']),
    expectFailing('nojs', `nats://127.0.0.1:${nojsPort}`, 'no_responders', 'nats-server -js'),
  ]);
  for (const l of lines) console.log(l);
  // The right token works against the same server: the error was the credential.
  const ok = await h.startHub({ nats: auth.url, host: 'goodauth', args: ['--nats-token', 'right-token'] });
  await h.post(ok, [h.crashEvent('goodauth:1', 1)]);
  await h.waitExported(ok);
});
