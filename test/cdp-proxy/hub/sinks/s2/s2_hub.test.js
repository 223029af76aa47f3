// The hub's S2 sink, end to end: the real cdp-proxy with --s2-* appends to the S2 test server
// (the basin in S2-Basin, as for s2-lite), S2's own SDK reads the stream back and it must equal
// the hub's journal: 10,000 events exactly once in seq order with seq/type/idempotency-key
// headers; S2 down for 30 s while events keep coming; kill -9 of the hub mid-stream and a
// restart; a wrong token: a clear error in the log and /metrics, the token nowhere, and the hub
// keeps serving.
'use strict';
const h = require('../../../../integration/lib/sink_hub');
const { S2TestServer } = require('../../../../integration/lib/s2_server');

if (!process.env.CDP_PROXY) {
  console.log('SKIP: CDP_PROXY is not set (run through meson test)');
  process.exit(77);
}
const { S2 } = require('@s2-dev/streamstore');

const BASIN = 'faultline-hub';
const TOKEN = 'hub-token-5c1';

function s2Args(server, stream, token = TOKEN) {
  return ['--s2-basin', BASIN, '--s2-stream', stream, '--s2-endpoint', server.url, '--s2-token', token,
    '--s2-timeout-ms', '1000'];
}

async function readAll(server, stream) {
  const s = new S2({ accessToken: TOKEN, endpoints: { account: server.url, basin: server.url } })
    .basin(BASIN).stream(stream);
  const out = [];
  for (;;) {
    const batch = await s.read({ start: { from: { seqNum: out.length } }, stop: { limits: { count: 1000 } } });
    if (!batch.records.length) return out;
    out.push(...batch.records);
  }
}

// The stream must hold exactly the journal's events, once each, in seq order.
async function checkStream(server, stream, hub) {
  const journal = await h.journal(hub);
  const records = await readAll(server, stream);
  const instance = await h.instanceId(hub);
  h.assert(records.length === journal.length, `stream holds ${records.length} records, the journal ${journal.length}`);
  records.forEach((r, i) => {
    const e = journal[i];
    const hd = Object.fromEntries(r.headers);
    h.assert(Number(hd.seq) === e.seq, `record ${i}: seq header ${hd.seq}, journal seq ${e.seq} (order or duplicate)`);
    h.assert(hd.type === e.type && hd['idempotency-key'] === `${instance}:${e.seq}`, `record ${i}: headers ${JSON.stringify(r.headers)}`);
    const body = JSON.parse(r.body);
    h.assert(body.id === e.id && body.seq === e.seq, `record ${i}: body ${r.body.slice(0, 100)}`);
  });
  return `${records.length} events, each once, in seq order`;
}

h.run('s2: the hub sink against the S2 test server, read back with S2\'s SDK', async () => {
  const server = await new S2TestServer({ basin: BASIN, token: TOKEN }).listen();
  server.createStream('vm-1');
  let hub = await h.startHub({ args: s2Args(server, 'vm-1') });

  // 10,000 events exactly once, in order.
  await h.postAll(hub, h.events(10000));
  await h.waitExported(hub, 's2');
  console.log(`10,000 events: ${await checkStream(server, 'vm-1', hub)}; ${server.counts.appends} appends`);
  h.assert(server.counts.appends <= 200, `batched: ${server.counts.appends} appends for 10,000 events`);

  // S2 down for 30 s while events keep coming.
  const down = server.down(30000);
  for (let i = 0; i < 20; i++) {
    await h.post(hub, h.events(100));
    await h.sleep(1400);
  }
  await down;
  await h.waitExported(hub, 's2');
  const m = await h.metrics(hub);
  h.assert(m['faultline_sink_failures_total{sink="s2",cause="connect"}'] > 0, 'the outage is counted as connect failures');
  console.log(`after a 30 s outage: ${await checkStream(server, 'vm-1', hub)}`);

  // kill -9 of the hub mid-stream, then a restart; the producer re-posts everything.
  const posted = h.events(3000, 'k');
  const inflight = h.postAll(hub, posted, 250).catch(() => {});
  await h.waitFor('the sink mid-stream', async () => {
    const x = await h.metrics(hub);
    return x['faultline_sink_cursor{sink="s2"}'] > 12000 + 500;
  }, 20000, 5);
  hub.kill('SIGKILL');
  await hub.exited;
  await inflight;
  hub = await h.startHub({ args: s2Args(server, 'vm-1'), dataDir: hub.dataDir, port: hub.port });
  await h.postAll(hub, posted);
  await h.waitExported(hub, 's2');
  console.log(`after kill -9 and a restart: ${await checkStream(server, 'vm-1', hub)}`);
  await h.stop(hub);

  // A wrong token: a clear error, the token nowhere, the hub keeps serving.
  server.createStream('vm-2');
  const bad = await h.startHub({ args: [...s2Args(server, 'vm-2', 'not-the-token-77'), '--s2-unhealthy-after', '1'] });
  await h.waitFor('the error in the log', () => /403 permission_denied/.test(bad.output), 15000);
  const r = await h.post(bad, h.events(5, 'w'));
  h.assert(r.accepted === 5, `ingest still works: ${JSON.stringify(r)}`);
  const metricsText = await (await fetch(`${bad.url}/metrics`)).text();
  h.assert(/faultline_sink_failures_total\{sink="s2",cause="auth"\} [1-9]/.test(metricsText), 'auth failures counted');
  await h.waitFor('/healthz to report the sink', async () => {
    const res = await fetch(`${bad.url}/healthz`);
    return /s2/.test(await res.text());
  }, 15000);
  h.assert(!bad.output.includes('not-the-token-77') && !metricsText.includes('not-the-token-77'), 'the token is never shown');
  h.assert((await readAll(server, 'vm-2')).length === 0, 'nothing written with a wrong token');
  console.log(`wrong token: "${(/[^\n]*403 permission_denied[^\n]*/.exec(bad.output) || [''])[0].trim()}"`);
  await h.stop(bad);
  await server.close();
});
