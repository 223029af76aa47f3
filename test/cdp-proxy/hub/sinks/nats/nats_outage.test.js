// NATS stopped for 30 s while events keep coming (100/s), then started again: every event
// arrives, none twice. Meanwhile the hub keeps accepting, /healthz reports the failing sink and
// /metrics counts the disconnect; the backlog waits in the journal. Then the server comes back
// with an empty store: the sink creates the stream again and goes on.
'use strict';
const h = require('./nats_harness');

h.run('nats: 30 s outage, every event once', async () => {
  const nats = await h.startNats();
  const hub = await h.startHub({ nats: nats.url, args: ['--nats-unhealthy-after', '5'] });
  let n = 0, producing = true;
  const producer = (async () => {
    while (producing) {
      const lines = [];
      for (let j = 0; j < 10; ++j, ++n) lines.push(h.crashEvent(`o:${n}`, n));
      await h.post(hub, lines);
      await h.sleep(100);
    }
  })();
  await h.sleep(2000);
  await h.stop(nats);
  const stoppedAt = n;
  await h.sleep(8000);
  const health = await (await fetch(`${hub.url}/healthz`)).json();
  h.assert(health.status === 'degraded' && health.sinks_failing[0].sink === 'nats',
    `healthz during the outage: ${JSON.stringify(health)}`);
  let m = await h.metrics(hub);
  h.assert(m['faultline_sink_failures_total{sink="nats",cause="disconnected"}'] >= 1, 'disconnect counted');
  h.assert(m['faultline_sink_connected{sink="nats"}'] === 0, 'connected gauge 0');
  await h.sleep(22000);
  h.assert(n - stoppedAt >= 2000, `only ${n - stoppedAt} events posted during the outage`);
  const lagDuring = (await h.metrics(hub))['faultline_sink_lag_events{sink="nats"}'];
  h.assert(lagDuring >= 2000, `lag during the outage ${lagDuring}`);
  const back = await h.startNats({ port: nats.port, dir: nats.dir });
  await h.sleep(2000);
  producing = false;
  await producer;
  await h.waitExported(hub);
  const events = await h.journal(hub);
  h.assert(events.length === n, `journal holds ${events.length} of ${n} posted`);
  const msgs = await h.readStream(back.url);
  console.log(h.checkExactlyOnce(msgs, events,
    { instance: await h.instanceId(hub), host: 'vm-1', inOrder: false }));
  const ordered = msgs.every((x, i) => i === 0 || x.event.seq > msgs[i - 1].event.seq);
  m = await h.metrics(hub);
  console.log(`posted ${n} (${n - stoppedAt} during the outage), lag peaked >= ${lagDuring}, ` +
    `retries ${m['faultline_sink_retries_total{sink="nats"}']}, ` +
    `timeouts ${m['faultline_sink_failures_total{sink="nats",cause="timeout"}']}, stream order ${ordered ? 'kept' : 'not kept'}`);
  const after = await (await fetch(`${hub.url}/healthz`)).json();
  h.assert(after.status === 'ok', `healthz after: ${JSON.stringify(after)}`);
  // A server that comes back with its store lost: the sink creates the stream again.
  await h.stop(back);
  const fresh = await h.startNats({ port: nats.port });
  const lines = [];
  for (let j = 0; j < 10; ++j, ++n) lines.push(h.crashEvent(`o:${n}`, n));
  await h.post(hub, lines);
  await h.waitExported(hub);
  const again = await h.readStream(fresh.url);
  h.assert(again.length === 10 && again[0].event.id === `o:${n - 10}`,
    `fresh server holds ${again.length} events`);
  h.assert(hub.output.includes('stream FAULTLINE was gone; created it again'), 'recreation logged');
});
