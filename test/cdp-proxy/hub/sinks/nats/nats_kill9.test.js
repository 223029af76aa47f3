// kill -9 of the hub mid-stream and a restart: no event lost, none duplicated. The producer
// re-posts everything after the restart (the hub drops what it already stored, by id), so
// every posted event must be in the stream exactly once, in seq order, and the stream must equal
// the journal.
'use strict';
const h = require('./nats_harness');

h.run('nats: kill -9 of the hub mid-stream', async () => {
  const nats = await h.startNats();
  let hub = await h.startHub({ nats: nats.url });
  const posted = [];
  let n = 0;
  const batch = () => {
    const lines = [];
    for (let j = 0; j < 50; ++j, ++n) lines.push(h.crashEvent(`k:${n}`, n));
    posted.push(...lines);
    return lines;
  };
  for (let i = 0; i < 20; ++i) await h.post(hub, batch());
  // Kill while the sink is mid-stream: events posted, some not yet acknowledged.
  const inflight = Promise.all([h.post(hub, batch()), h.post(hub, batch())]).catch(() => {});
  await h.sleep(5);
  const before = await h.metrics(hub).catch(() => ({}));
  hub.kill('SIGKILL');
  await hub.exited;
  await inflight;
  console.log(`killed at sink cursor ${before['faultline_sink_cursor{sink="nats"}']} of last seq ${before.faultline_hub_last_seq}`);
  hub = await h.startHub({ nats: nats.url, dataDir: hub.dataDir, port: hub.port });
  for (let i = 0; i < posted.length; i += 500) await h.post(hub, posted.slice(i, i + 500));
  for (let i = 0; i < 10; ++i) await h.post(hub, batch());
  await h.waitExported(hub);
  const events = await h.journal(hub);
  const msgs = await h.readStream(nats.url);
  console.log(h.checkExactlyOnce(msgs, events,
    { instance: await h.instanceId(hub), host: 'vm-1' }));
  const ids = new Set(msgs.map((x) => x.event.id));
  for (let i = 0; i < n; ++i) h.assert(ids.has(`k:${i}`), `event k:${i} was lost`);
  h.assert(ids.size === n, `${ids.size} distinct ids in the stream, ${n} posted`);
  const m = await h.metrics(hub);
  console.log(`${n} events posted, all in the stream once; resent after the restart ${m['faultline_sink_events_exported_total{sink="nats"}']} ` +
    `(the stream dropped repeats by Nats-Msg-Id)`);
});
