// 10,000 events published to the hub arrive in the JetStream stream exactly once, in seq
// order, with the right subjects and headers; the sink's cursor file holds the last seq.
'use strict';
const fs = require('fs');
const path = require('path');
const h = require('./nats_harness');

h.run('nats: 10,000 events exactly once, in seq order', async () => {
  const nats = await h.startNats();
  const hub = await h.startHub({ nats: nats.url, host: 'vm-1' });
  const N = 10000;
  for (let i = 0; i < N; i += 500) {
    const lines = [];
    for (let j = i; j < i + 500; ++j) lines.push(h.crashEvent(`t:${j}`, j));
    const r = await h.post(hub, lines);
    h.assert(r.recorded === 500, `batch at ${i}: recorded ${r.recorded}`);
  }
  await h.waitExported(hub);
  const events = await h.journal(hub);
  h.assert(events.length === N, `journal holds ${events.length}`);
  const msgs = await h.readStream(nats.url);
  console.log(h.checkExactlyOnce(msgs, events, { instance: await h.instanceId(hub), host: 'vm-1' }));
  const m = await h.metrics(hub);
  h.assert(m['faultline_sink_events_exported_total{sink="nats"}'] === N, 'exported counter');
  const cursor = fs.readFileSync(path.join(hub.dataDir, 'sinks', 'nats.cursor'), 'utf8');
  h.assert(cursor === `${N}\n`, `cursor file holds ${JSON.stringify(cursor)}`);
  const { code } = await h.stop(hub);
  h.assert(code === 0, `hub exited ${code}`);
});
