// A backlog that outgrows the journal's retention: with NATS absent the hub keeps recording
// into a tiny journal (and ring) that drops its oldest segments; when NATS comes up the sink
// skips to what is left, logs the exact number it missed and counts it, and exports exactly
// what the journal still holds. Then a category filter: a sink with --nats-categories cdp
// exports only cdp events, and its cursor still moves past everything else.
'use strict';
const h = require('./nats_harness');

function cdpEvent(id, n) {
  return JSON.stringify({
    type: 'cdp_connect', source: { kind: 'test' }, id,
    data: { connection_id: `c${n}`, client_addr: '127.0.0.1:1', path: '/devtools/browser/x', target: 'browser' },
  });
}

h.run('nats: skip past retention with the exact count; category filter', async () => {
  const port = await h.freePort();
  const hub = await h.startHub({
    nats: `nats://127.0.0.1:${port}`, host: 'vm-r',
    args: ['--segment-bytes', '4096', '--retention-bytes', '12288', '--ring-capacity', '16'],
  });
  const N = 400;
  for (let i = 0; i < N; i += 50) {
    const lines = [];
    for (let j = i; j < i + 50; ++j) lines.push(h.crashEvent(`r:${j}`, j));
    await h.post(hub, lines);
  }
  const nats = await h.startNats({ port });
  await h.waitExported(hub, 60000);
  const kept = (await h.journal(hub)).filter((e) => e.seq > 0 && e.type !== 'events_dropped');
  h.assert(kept.length > 0 && kept.length < N, `journal kept ${kept.length} of ${N}`);
  const msgs = await h.readStream(nats.url);
  console.log(h.checkExactlyOnce(msgs, kept, { instance: await h.instanceId(hub), host: 'vm-r' }));
  const m = await h.metrics(hub);
  const skipped = m['faultline_sink_skipped_total{sink="nats"}'];
  h.assert(skipped === N - kept.length, `skipped ${skipped}, expected ${N - kept.length}`);
  const first = kept[0].seq;
  const logged = `seq 1..${first - 1} (${first - 1} events) left the journal (retention)`;
  h.assert(hub.output.includes(logged), `log lacks "${logged}":\n${hub.output}`);
  console.log(`journal kept ${kept.length} of ${N}; sink skipped ${skipped}, logged "${logged}"`);

  const filtered = await h.startHub({
    nats: nats.url, host: 'vm-f', args: ['--nats-categories', 'cdp', '--nats-stream', 'CDP', '--nats-subject', 'cdp-only'],
  });
  const lines = [];
  for (let j = 0; j < 30; ++j) lines.push(j % 3 === 0 ? cdpEvent(`f:${j}`, j) : h.crashEvent(`f:${j}`, j));
  await h.post(filtered, lines);
  await h.waitExported(filtered);
  const cdp = await h.readStream(nats.url, 'CDP');
  h.assert(cdp.length === 10 && cdp.every((x) => x.event.type === 'cdp_connect' &&
    x.subject === 'cdp-only.vm-f.cdp.cdp_connect'), `CDP stream: ${cdp.map((x) => x.subject)}`);
  const fm = await h.metrics(filtered);
  h.assert(fm['faultline_sink_cursor{sink="nats"}'] === 30 && fm['faultline_sink_events_exported_total{sink="nats"}'] === 10,
    `filtered sink cursor ${fm['faultline_sink_cursor{sink="nats"}']}`);
  console.log('filter: 10 of 30 events exported (cdp only), cursor at 30');
});
