// The STATIC cdp-proxy (nats.c compiled from source by packaging/build-static.sh) exports to a
// real nats-server -js exactly once, from an empty chroot holding only the binary, its data dir
// and a CA file (like a scratch container): over nats://, and over tls:// verified with
// --nats-tls-ca against a server that refuses plaintext. A SIGTERM and restart in the middle
// re-sends nothing. Uses the NATS sink tests' harness; static_nats_test.sh sets the env.
'use strict';
const fs = require('fs');
const path = require('path');
const h = require('../cdp-proxy/hub/sinks/nats/nats_harness');

const STATIC = process.env.STATIC_CDP_PROXY;
const CHROOT = (process.env.STATIC_CHROOT || '').split(' ').filter(Boolean);
const TLS_DIR = process.env.STATIC_TLS_DIR;
const HOST = 'vm-static';

// A root holding only the static binary, an empty data dir and the CA.
function makeRoot(name) {
  const root = h.tmpdir(`static-${name}`);
  fs.copyFileSync(STATIC, path.join(root, 'cdp-proxy'));
  fs.chmodSync(path.join(root, 'cdp-proxy'), 0o755);
  fs.copyFileSync(path.join(TLS_DIR, 'ca.pem'), path.join(root, 'ca.pem'));
  fs.mkdirSync(path.join(root, 'data'));
  return root;
}

// The static hub on root (chrooted into it when the machine allows), exporting to natsUrl.
async function startStaticHub(root, natsUrl, args = []) {
  const port = await h.freePort();
  const inRoot = CHROOT.length > 0;
  const at = (p) => (inRoot ? `/${p}` : path.join(root, p));
  const a = ['--api-listen', `127.0.0.1:${port}`, '--cdp-listen', '127.0.0.1:0',
    '--data-dir', at('data'), '--host', HOST, '--journal-commit-ms', '20', '--nats', natsUrl,
    ...args.map((x) => x.replace('@ROOT@/', at('')))];
  const p = inRoot ? h.start(CHROOT[0], [...CHROOT.slice(1), root, '/cdp-proxy', ...a], 'static-hub')
    : h.start(path.join(root, 'cdp-proxy'), a, 'static-hub');
  Object.assign(p, { port, dataDir: path.join(root, 'data'), url: `http://127.0.0.1:${port}` });
  await h.waitFor(`static hub on ${port}`, async () => {
    if (p.exitCode !== null) throw new Error(`static cdp-proxy exited: ${p.output}`);
    try { return (await fetch(`${p.url}/healthz`)).ok; } catch { return false; }
  });
  return p;
}

async function postBatches(hub, label, from, to) {
  for (let i = from; i < to; i += 500) {
    const lines = [];
    for (let j = i; j < Math.min(i + 500, to); ++j) lines.push(h.crashEvent(`${label}:${j}`, j));
    const r = await h.post(hub, lines);
    h.assert(r.recorded === lines.length, `${label} batch at ${i}: recorded ${r.recorded}`);
  }
}

// 1,000 events, SIGTERM, restart, 200 more: the stream holds the journal's 1,200 once each.
async function scenario(label, nats, natsUrl, args) {
  const root = makeRoot(label);
  let hub = await startStaticHub(root, natsUrl, args);
  await postBatches(hub, label, 0, 1000);
  await h.waitExported(hub);
  let { code } = await h.stop(hub);
  h.assert(code === 0, `${label}: static hub exited ${code}`);
  hub = await startStaticHub(root, natsUrl, args);
  await postBatches(hub, label, 1000, 1200);
  await h.waitExported(hub);
  const m = await h.metrics(hub);
  h.assert(m['faultline_sink_events_exported_total{sink="nats"}'] === 200,
    `${label}: the restarted hub exported ${m['faultline_sink_events_exported_total{sink="nats"}']}, want 200`);
  const events = await h.journal(hub);
  h.assert(events.length === 1200, `${label}: journal holds ${events.length}`);
  const msgs = await h.readStream(nats.url);
  console.log(`${label}: ${h.checkExactlyOnce(msgs, events, { instance: await h.instanceId(hub), host: HOST })}`);
  ({ code } = await h.stop(hub));
  h.assert(code === 0, `${label}: static hub exited ${code}`);
}

h.run(`static cdp-proxy -> nats-server -js exactly once (nats://, tls://${CHROOT.length ? ', empty chroot' : ''})`, async () => {
  h.assert(STATIC && TLS_DIR, 'STATIC_CDP_PROXY and STATIC_TLS_DIR (static_nats_test.sh sets them)');
  const plain = await h.startNats();
  await scenario('nats', plain, plain.url, []);
  const tls = await h.startNats({
    args: ['--tls', '--tlscert', path.join(TLS_DIR, 'server.pem'), '--tlskey', path.join(TLS_DIR, 'server.key')],
  });
  await scenario('tls', tls, `tls://127.0.0.1:${tls.port}`, ['--nats-tls-ca', '@ROOT@/ca.pem']);
});
