// Three hubs (three "VMs" with different --host) publish to one stream; faultline-tail --nats
// shows all of them, each line with its host, from the start, with --categories/--types
// filters, and from now (only what arrives after it started); started before any hub created
// the stream, it waits for it; --since (a hub's seq) is refused there, naming --nats-from.
'use strict';
const { spawnSync } = require('child_process');
const h = require('./nats_harness');

const TAIL = process.env.FAULTLINE_TAIL;

function tail(args, timeout = 20000) {
  const r = spawnSync(TAIL, args, { encoding: 'utf8', timeout });
  if (r.status !== 0) throw new Error(`faultline-tail ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout.trim().split('\n');
}

h.run('nats: three hubs, one stream, faultline-tail --nats', async () => {
  const { spawn } = require('child_process');
  const nats = await h.startNats();
  // Started before any hub created the stream: it says it waits, then shows the first event.
  const early = spawn(TAIL, ['--nats', nats.url, '--nats-from', 'start', '--count', '1']);
  let earlyOut = '', earlyErr = '';
  early.stdout.on('data', (d) => { earlyOut += d; });
  early.stderr.on('data', (d) => { earlyErr += d; });
  const earlyExit = new Promise((r) => early.on('exit', r));
  await h.waitFor('the early tail to wait', () => /does not exist yet.*waiting for it/.test(earlyErr), 10000);
  const hosts = ['vm-a', 'vm-b', 'vm-c'];
  const hubs = await Promise.all(hosts.map((host) => h.startHub({ nats: nats.url, host })));
  for (const [i, hub] of hubs.entries()) {
    const lines = [];
    for (let j = 0; j < 20 + i; ++j) lines.push(h.crashEvent(`${hub.host}:${j}`, j));
    await h.post(hub, lines);
  }
  await Promise.all(hubs.map((hub) => h.waitExported(hub)));
  h.assert(await earlyExit === 0 && /^vm-[abc] .*service_crashed/.test(earlyOut), `early tail: ${earlyOut} ${earlyErr}`);
  console.log(`started before the stream existed: "${earlyErr.trim()}", then ${earlyOut.trim()}`);
  const total = 20 + 21 + 22;
  const all = tail(['--nats', nats.url, '--nats-from', 'start', '--count', String(total)]);
  h.assert(all.length === total, `${all.length} lines`);
  for (const [i, host] of hosts.entries()) {
    const mine = all.filter((l) => l.startsWith(host + ' '));
    h.assert(mine.length === 20 + i, `${host}: ${mine.length} lines`);
    h.assert(mine.every((l) => /service_crashed +g:svc\d pid \d+ from RUNNING  \[test\]$/.test(l)), `${host} lines readable: ${mine[0]}`);
  }
  console.log(`all ${total} events of 3 hubs, e.g.: ${all[0]}`);
  // A filter: cdp events only (none yet) must not print crashes; then one cdp event arrives.
  const raw = tail(['--nats', nats.url, '--nats-from', 'start', '--types', 'service_crashed', '--raw', '--count', '3']);
  h.assert(raw.every((l) => JSON.parse(l.slice(l.indexOf('{'))).type === 'service_crashed'), 'raw JSON lines');
  // From now: started before a new event, it shows only that one.
  const live = spawn(TAIL, ['--nats', nats.url, '--nats-from', 'now', '--categories', 'system', '--count', '1']);
  let out = '', liveErr = '';
  live.stdout.on('data', (d) => { out += d; });
  live.stderr.on('data', (d) => { liveErr += d; });
  const liveExit = new Promise((r) => live.on('exit', r));
  await h.waitFor('the live tail to subscribe', () => /following stream FAULTLINE .* from now/.test(liveErr), 20000);
  await h.post(hubs[1], [h.crashEvent('vm-b:late', 99)]);
  const timer = setTimeout(() => live.kill(), 20000);
  const code = await liveExit;
  clearTimeout(timer);
  h.assert(code === 0 && out.startsWith('vm-b ') && out.includes('g:svc1 pid 99 from RUNNING'), `from now: ${out}`);
  const bad = spawnSync(TAIL, ['--nats', nats.url, '--types', 'no_such_type'], { encoding: 'utf8' });
  h.assert(bad.status === 2 && bad.stderr.includes("unknown event type 'no_such_type'"), `bad filter: ${bad.stderr}`);
  // --since is one hub's seq: with --nats it is refused, naming --nats-from (not silently "from now").
  const since = spawnSync(TAIL, ['--nats', nats.url, '--since', '0', '--count', '1'], { encoding: 'utf8', timeout: 10000 });
  h.assert(since.status === 2 && since.stderr.includes('--nats-from'), `--since with --nats: ${since.status} ${since.stderr}`);
  console.log(`from now: ${out.trim()}`);
});
