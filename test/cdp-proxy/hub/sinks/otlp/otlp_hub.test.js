// The hub's OTLP logs sink, end to end: the real cdp-proxy with --otlp-endpoint exports to the
// strict OTLP receiver (official definitions, lib/otlp_receiver.js); what arrives must be the
// hub's journal, one log record per event: 10,000 events exactly once in seq order in protobuf
// with resource host.name = --host; the collector down for 30 s while events keep coming; kill
// -9 of the hub mid-stream (repeats only of the unacknowledged tail, same idempotency keys);
// observed time = when the hub recorded the event, across a restart; a 401: a clear error in
// the log and /metrics, the header value nowhere, the hub serving. The standard
// OTEL_EXPORTER_OTLP_* variables configure it too.
'use strict';
const { spawn } = require('child_process');
const h = require('../../../../integration/lib/sink_hub');
const { OtlpReceiver } = require('../../../../integration/lib/otlp_receiver');

if (!process.env.CDP_PROXY) {
  console.log('SKIP: CDP_PROXY is not set (run through meson test)');
  process.exit(77);
}

const SECRET = 'otlp-secret-3b';

// First arrivals must be exactly the journal's events in seq order; returns the repeats.
async function check(rx, hub) {
  h.assert(rx.violations.length === 0, `schema violations: ${rx.violations[0]}`);
  const journal = await h.journal(hub);
  const instance = await h.instanceId(hub);
  const seen = new Set();
  const firsts = rx.records.filter((r) => {
    const k = r.attrs['faultline.idempotency_key'];
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  h.assert(firsts.length === journal.length, `collector has ${firsts.length} events, the journal ${journal.length}`);
  firsts.forEach((r, i) => {
    const e = journal[i];
    h.assert(r.attrs['faultline.seq'] === e.seq, `record ${i}: seq ${r.attrs['faultline.seq']}, journal ${e.seq}`);
    h.assert(r.attrs['faultline.idempotency_key'] === `${instance}:${e.seq}`, `record ${i}: key`);
    h.assert(r.eventName === e.type && r.attrs['faultline.event_id'] === e.id, `record ${i}: ${r.eventName} ${r.attrs['faultline.event_id']}`);
    h.assert(r.severityText === 'ERROR', `service_crashed is ERROR, got ${r.severityText}`);
    h.assert(r.data.service_name === e.data.service_name && r.data.pid === e.data.pid, `record ${i}: body`);
    h.assert(r.resource['host.name'] === hub.host && r.resource['service.name'] === 'faultline', 'resource');
    const ts = BigInt(Date.parse(e.ts)) * 1000000n;
    h.assert(BigInt(r.timeUnixNano) / 1000000n === ts / 1000000n, `record ${i}: timeUnixNano is ts`);
    h.assert(BigInt(r.observedTimeUnixNano) >= BigInt(r.timeUnixNano), `record ${i}: observed after ts`);
  });
  return rx.records.length - firsts.length;
}

h.run('otlp: the hub sink against a strict OTLP receiver', async () => {
  const rx = await new OtlpReceiver().listen();
  let hub = await h.startHub({
    host: 'vm-otlp',
    args: ['--otlp-endpoint', rx.url, '--otlp-protocol', 'protobuf', '--otlp-header', `Authorization=Bearer%20${SECRET}`,
      '--otlp-timeout-ms', '1000'],
  });

  await h.postAll(hub, h.events(10000));
  await h.waitExported(hub, 'otlp');
  h.assert(await check(rx, hub) === 0, 'no repeats');
  h.assert(rx.requests.every((q) => q.headers.authorization === `Bearer ${SECRET}` && q.encoding === 'gzip' &&
    /x-protobuf/.test(q.contentType)), 'gzip protobuf with the header');
  console.log(`10,000 events: each once, in seq order, in ${rx.requests.length} requests`);

  const down = rx.down(30000);
  for (let i = 0; i < 20; i++) {
    await h.post(hub, h.events(100));
    await h.sleep(1400);
  }
  await down;
  await h.waitExported(hub, 'otlp');
  h.assert(await check(rx, hub) === 0, 'no repeats after the outage');
  console.log('after a 30 s outage: every event once, in order');

  const posted = h.events(3000, 'k');
  const inflight = h.postAll(hub, posted, 250).catch(() => {});
  await h.waitFor('the sink mid-stream', async () =>
    (await h.metrics(hub))['faultline_sink_cursor{sink="otlp"}'] > 12500, 20000, 5);
  hub.kill('SIGKILL');
  await hub.exited;
  await inflight;
  const received = rx.records.length;
  hub = await h.startHub({ host: 'vm-otlp', dataDir: hub.dataDir, port: hub.port,
    args: ['--otlp-endpoint', rx.url, '--otlp-protocol', 'protobuf', '--otlp-timeout-ms', '1000'] });
  await h.postAll(hub, posted);
  await h.waitExported(hub, 'otlp');
  const repeats = await check(rx, hub);
  console.log(`after kill -9 and a restart: every event, ${repeats} repeats of the unacknowledged tail (same keys)`);
  h.assert(repeats <= received - 12000, 'only what the collector had but the cursor did not came again');
  await h.stop(hub);

  // Observed time is when the hub recorded the event (kept in its journal), not when the sink
  // exported it: events observed an hour ago are recorded by a hub without the sink, and a
  // later hub on the same journal exports them 3 s after.
  const rx3 = await new OtlpReceiver().listen();
  const first = await h.startHub({ host: 'vm-late' });
  const hourAgo = new Date(Date.now() - 3600e3).toISOString();
  const recordedFrom = BigInt(Date.now()) * 1000000n;
  await h.postAll(first, h.events(300, 'late').map((l) => JSON.stringify({ ...JSON.parse(l), ts: hourAgo })));
  const recordedTo = BigInt(Date.now()) * 1000000n;
  await h.stop(first);
  await h.sleep(3000);
  const late = await h.startHub({ host: 'vm-late', dataDir: first.dataDir, port: first.port,
    args: ['--otlp-endpoint', rx3.url, '--otlp-protocol', 'protobuf'] });
  await h.waitExported(late, 'otlp');
  h.assert(rx3.records.length === 300, `the backlog arrived: ${rx3.records.length} records`);
  for (const r of rx3.records) {
    const observed = BigInt(r.observedTimeUnixNano);
    h.assert(observed >= recordedFrom && observed <= recordedTo,
      `observedTimeUnixNano ${observed} lies within the POSTs (${recordedFrom}..${recordedTo}), not at the export`);
    h.assert(BigInt(r.timeUnixNano) / 1000000n === BigInt(Date.parse(hourAgo)), 'timeUnixNano is the event ts');
  }
  console.log('observed time: when the hub recorded each event, kept across a restart');
  await h.stop(late);
  await rx3.close();

  // A 401 and the standard variables: OTEL_EXPORTER_OTLP_ENDPOINT + /v1/logs, OTEL headers.
  const rx2 = await new OtlpReceiver().listen();
  rx2.inject({ status: 401 });
  const env = { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${rx2.port}`,
    OTEL_EXPORTER_OTLP_HEADERS: `x-api-key=${SECRET}` };
  const port = await h.freePort();
  const p = spawn(process.env.CDP_PROXY, ['--api-listen', `127.0.0.1:${port}`, '--cdp-listen', '127.0.0.1:0',
    '--data-dir', h.tmpdir('hub'), '--otlp-unhealthy-after', '1'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stderr.on('data', (d) => (out += d));
  const url = `http://127.0.0.1:${port}`;
  try {
    await h.waitFor('the hub', async () => { try { return (await fetch(`${url}/healthz`)).status > 0; } catch { return false; } });
    await h.post({ url }, h.events(3, 'w'));
    await h.waitFor('the 401 in the log', () => /401/.test(out), 15000);
    h.assert(/--otlp-header/.test(out), `a clear error: ${out}`);
    h.assert(rx2.answers.length === 1 && rx2.requests.length === 0, 'the export went to OTEL_EXPORTER_OTLP_ENDPOINT/v1/logs');
    const metricsText = await (await fetch(`${url}/metrics`)).text();
    h.assert(/faultline_sink_failures_total\{sink="otlp",cause="auth"\} 1/.test(metricsText), 'the 401 is counted');
    const r = await h.post({ url }, h.events(2, 'w'));
    h.assert(r.accepted === 2, 'the hub keeps serving');
    await h.waitFor('/healthz to report the sink', async () => /otlp/.test(await (await fetch(`${url}/healthz`)).text()), 15000);
    h.assert(!out.includes(SECRET) && !metricsText.includes(SECRET), 'the header value is never shown');
    console.log(`401: "${(/[^\n]*401[^\n]*/.exec(out) || [''])[0].trim()}"`);
  } finally {
    p.kill('SIGTERM');
    await rx2.close();
    await rx.close();
  }
});
