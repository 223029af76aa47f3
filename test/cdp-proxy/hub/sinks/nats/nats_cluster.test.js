// A three-node JetStream cluster (three nats-server processes) and a stream with 3 replicas
// that the sink creates: the stream leader is killed (kill -9) mid-stream; nothing is lost,
// nothing duplicated, and the sink follows the new leader.
'use strict';
const { connect } = require('nats');
const h = require('./nats_harness');

h.run('nats: three-node cluster, leader killed mid-stream', async () => {
  const ports = [], routes = [];
  for (let i = 0; i < 3; ++i) { ports.push(await h.freePort()); routes.push(await h.freePort()); }
  const nodes = await Promise.all(ports.map((port, i) => h.startNats({
    port, cluster: { name: 'faultline', server: `n${i + 1}`, port: routes[i], routes: routes.filter((_, j) => j !== i) },
  })));
  const seeds = nodes.map((n) => n.url).join(',');
  const hub = await h.startHub({ nats: seeds, args: ['--nats-replicas', '3', '--nats-ack-timeout-ms', '2000'] });
  console.log(`hub ${hub.url}`);
  let n = 0, producing = true;
  const producer = (async () => {
    while (producing) {
      const lines = [];
      for (let j = 0; j < 20; ++j, ++n) lines.push(h.crashEvent(`c:${n}`, n));
      await h.post(hub, lines);
      await h.sleep(20);
    }
  })();
  await h.waitFor('the R3 stream', async () =>
    (await h.metrics(hub))['faultline_sink_events_exported_total{sink="nats"}'] > 200, 60000, 200);
  const nc = await connect({ servers: nodes.map((x) => x.url) });
  const jsm = await nc.jetstreamManager();
  const info = await jsm.streams.info('FAULTLINE');
  h.assert(info.config.num_replicas === 3, `replicas ${info.config.num_replicas}`);
  const leader = info.cluster.leader;
  const victim = nodes[Number(leader.slice(1)) - 1];
  await nc.close();  // before the kill: a client of a dead node may take long to close
  const exportedBefore = (await h.metrics(hub))['faultline_sink_events_exported_total{sink="nats"}'];
  victim.kill('SIGKILL');
  await victim.exited;
  console.log(`killed stream leader ${leader} after ${exportedBefore} acks`);
  await h.sleep(6000);
  producing = false;
  await producer;
  await h.waitExported(hub, 90000);
  const alive = nodes.filter((x) => x !== victim).map((x) => x.url);
  const nc2 = await connect({ servers: alive });
  const jsm2 = await nc2.jetstreamManager();
  let now = null;  // the surviving nodes may still be electing: their API can time out meanwhile
  await h.waitFor('stream info from the surviving nodes', async () => {
    try {
      now = await jsm2.streams.info('FAULTLINE');
      return true;
    } catch (err) {
      console.log(`stream info: ${err.message}; again`);
      return false;
    }
  }, 60000, 1000);
  await nc2.close();
  h.assert(now.cluster.leader && now.cluster.leader !== leader,
    `new leader ${now.cluster.leader} (was ${leader})`);
  const events = await h.journal(hub);
  h.assert(events.length === n, `journal holds ${events.length} of ${n}`);
  const msgs = await h.readStream(alive, 'FAULTLINE', 3);
  console.log(h.checkExactlyOnce(msgs, events,
    { instance: await h.instanceId(hub), host: 'vm-1', inOrder: false }));
  const m = await h.metrics(hub);
  const ordered = msgs.every((x, i) => i === 0 || x.event.seq > msgs[i - 1].event.seq);
  console.log(`new leader ${now.cluster.leader}; ${n} events, retries ${m['faultline_sink_retries_total{sink="nats"}']}, ` +
    `stream order ${ordered ? 'kept' : 'not kept across the failover'}`);
});
