// The S2 writer end to end: sink_drive (the writer behind a persisted cursor, as a sink runs it)
// appends to the S2 test server, and S2's own TypeScript SDK reads every event back. Asserts
// exactly once and in seq order: 10,000 events; under injected 500s, 429s, timeouts after the
// write took effect, foreign writers and 412s; across a 30 s outage; across kill -9 with a
// lagging cursor. A wrong token or basin is a clear error naming the cause, never the token;
// an event over S2's 1 MiB record limit is skipped and counted, not retried forever.
'use strict';
const { spawn, execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const h = require('../../../../integration/lib/proxy_harness');
const { startDrive } = require('../../../../integration/lib/sink_drive');
const { S2TestServer } = require('../../../../integration/lib/s2_server');

const DRIVE = process.env.SINK_DRIVE;
if (!DRIVE) h.skip('SINK_DRIVE is not set (run through meson test)');
let S2;
try {
  ({ S2 } = require('@s2-dev/streamstore'));
} catch {
  h.skip('@s2-dev/streamstore missing: run `npm ci` in test/integration');
}

const BASIN = 'faultline-sinks';
const TOKEN = 'tok-9f8e7d';
const dir = h.tmpDir('faultline-s2-');
let server;

// Starts sink_drive; resolves with { code, signal, stats, stderr } when it exits.
function drive(stream, args = [], { token = TOKEN } = {}) {
  return startDrive(DRIVE, ['s2', '--endpoint', server.url, '--basin', BASIN, '--stream', stream,
    '--token', token, '--instance', 'hub-a', ...args]);
}

// Every record of the stream, read with the SDK.
async function readAll(stream) {
  const s = new S2({ accessToken: TOKEN, endpoints: { account: server.url, basin: server.url } })
    .basin(BASIN).stream(stream);
  const out = [];
  for (;;) {
    const batch = await s.read({ start: { from: { seqNum: out.length } }, stop: { limits: { count: 1000 } } });
    if (!batch.records.length) break;
    out.push(...batch.records);
  }
  return out;
}

// Asserts that our records (those with an idempotency key) are exactly events 1..n in order,
// each body the envelope of its seq and type.
async function assertExactlyOnce(stream, n) {
  const all = await readAll(stream);
  const ours = all.filter((r) => r.headers.some(([k]) => k === 'idempotency-key'));
  const header = (r, name) => (r.headers.find(([k]) => k === name) || [])[1];
  const seqs = ours.map((r) => Number(header(r, 'seq')));
  const dup = seqs.length - new Set(seqs).size;
  h.equal(dup, 0, 'duplicates');
  h.equal(ours.length, n, 'events in the stream');
  for (let i = 0; i < ours.length; i++) {
    const r = ours[i];
    if (seqs[i] !== i + 1) throw new Error(`record ${i} is seq ${seqs[i]}, expected ${i + 1} (out of order or missing)`);
    const e = JSON.parse(r.body);
    if (e.seq !== i + 1 || e.type !== header(r, 'type') || header(r, 'idempotency-key') !== `hub-a:${i + 1}`)
      throw new Error(`record ${i}: body/header mismatch ${JSON.stringify(r.headers)} ${r.body.slice(0, 120)}`);
  }
  return all;
}

const steps = [
  ['10,000 events arrive exactly once, in order, in batches of at most 1,000 records', async () => {
    server.createStream('ten-k');
    const appendsBefore = server.counts.appends;
    const r = await drive('ten-k', ['--count', '10000']).done;
    h.equal(r.code, 0, `exit code (${r.stderr})`);
    h.equal(r.stats.acked, 10000, 'cursor');
    h.equal(r.stats.appended, 10000, 'appended');
    await assertExactlyOnce('ten-k', 10000);
    const appends = server.counts.appends - appendsBefore;
    h.check(appends >= 10 && appends <= 40, `10,000 events took ${appends} appends (1,000-record batches)`);
  }],

  ['faults (500, 429, timeout after the write, foreign writer, 412): still exactly once, in order', async () => {
    server.createStream('faults');
    server.hangMs = 1500;  // longer than the writer's 1 s timeout: the answer is lost
    const pattern = ['500', null, '429', null, 'timeout', null, 'foreign', null, '412', null, 'timeout', 'foreign', '500'];
    server.inject(...pattern);
    const r = await drive('faults', ['--count', '3000', '--rate', '2000']).done;
    h.equal(r.code, 0, `exit code (${r.stderr})`);
    const inj = server.counts.injected;
    h.check(server.faults.length === 0 && inj.timeout === 2 && inj.foreign === 2 && inj['500'] === 2 &&
      inj['429'] === 1 && inj['412'] === 1,
      `faults injected: ${JSON.stringify(inj)}`);
    h.check(r.stats.conflicts > 0 && r.stats.recovered > 0, `412s resolved and timed-out writes recognised: ${JSON.stringify(r.stats)}`);
    h.check(r.stats.retries > 0, 'retries counted');
    const all = await assertExactlyOnce('faults', 3000);
    h.check(all.length > 3000, 'foreign records are in the stream too, and were left alone');
  }],

  ['S2 down for 30 s while events keep coming: nothing lost, nothing twice', async () => {
    server.createStream('outage');
    const child = drive('outage', ['--count', '8000', '--rate', '250']);
    await h.sleep(2000);
    const t0 = Date.now();
    await server.down(30000);
    h.check(Date.now() - t0 >= 30000, 'down for 30 s');
    const r = await child.done;
    h.equal(r.code, 0, `exit code (${r.stderr})`);
    h.check(/retrying/.test(r.stderr), `the outage was logged: ${r.stderr.slice(0, 300)}`);
    h.check(r.stats.retries > 0, 'retries counted');
    await assertExactlyOnce('outage', 8000);
  }],

  ['kill -9 mid-stream with a lagging cursor: the restarted writer finds what S2 already has', async () => {
    server.createStream('kill');
    const cursor = path.join(dir, 'kill.cursor');
    const args = ['--count', '10000', '--cursor', cursor, '--cursor-every-ms', '300'];
    const child = drive('kill', [...args, '--rate', '2000']);
    await h.waitFor('events in the stream', () => server.stream('kill').records.length > 2000, 15000);
    child.kill('SIGKILL');
    const first = await child.done;
    h.equal(first.signal, 'SIGKILL', 'killed');
    const inStream = server.stream('kill').records.length;
    const saved = Number(fs.readFileSync(cursor, 'utf8'));
    h.check(saved < inStream, `the cursor (${saved}) lagged the stream (${inStream}) at the kill`);
    // Small chunks, as the hub's journal reader hands them: the stream holds more than the first.
    const second = await drive('kill', [...args, '--chunk', '100']).done;
    h.equal(second.code, 0, `restart exit code (${second.stderr})`);
    h.equal(second.stats.recovered, inStream - saved, 'the restart recognised exactly the unacknowledged tail');
    h.check(/already in the stream/.test(second.stderr), 'and said so');
    await assertExactlyOnce('kill', 10000);
  }],

  ['an event over the 1 MiB record limit is logged and counted, the rest delivered', async () => {
    server.createStream('big');
    const r = await drive('big', ['--count', '250', '--body-bytes', String(1100 * 1024)]).done;
    h.equal(r.code, 0, `exit code (${r.stderr})`);
    h.equal(r.stats.oversized, 2, 'events 100 and 200 set aside');
    h.check(/over S2's 1 MiB record limit: skipped/.test(r.stderr), 'logged');
    const seqs = (await readAll('big')).map((x) => Number(x.headers.find(([k]) => k === 'seq')[1]));
    h.equal(seqs.length, 248, 'the others arrived');
    h.check(!seqs.includes(100) && !seqs.includes(200) && seqs.includes(101), 'the right ones skipped');
  }],

  ['a wrong token, basin or stream: a clear error that never shows the token; a refused connection is retried', async () => {
    server.createStream('errors');
    const bad = await drive('errors', ['--count', '10'], { token: 'wrong-token-123' }).done;
    h.equal(bad.code, 3, 'fatal exit');
    h.check(/403 permission_denied/.test(bad.stats.fatal) && /--s2-token/.test(bad.stats.fatal), `error: ${bad.stats.fatal}`);
    h.check(!bad.stderr.includes('wrong-token-123') && !bad.stats.fatal.includes('wrong-token-123'), 'the token is never logged');
    const missing = await drive('no-such-stream', ['--count', '10']).done;
    h.equal(missing.code, 3, 'fatal exit for a missing stream');
    h.check(/404 stream_not_found/.test(missing.stats.fatal), `error: ${missing.stats.fatal}`);
    const port = await h.freePort();
    const child = spawn(DRIVE, ['s2', '--endpoint', `http://127.0.0.1:${port}`, '--basin', BASIN, '--stream', 'errors',
      '--token', TOKEN, '--count', '10'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    await h.waitFor('a logged connection failure', () => /retrying/.test(err), 10000);
    h.check(/Connection/.test(err), `the log names the cause: ${err}`);
    child.kill('SIGTERM');
    await new Promise((r) => child.on('exit', r));
  }],

  ['https: an untrusted certificate is refused (SSLServerVerification); a trusted one works', async () => {
    const key = path.join(dir, 'key.pem'), cert = path.join(dir, 'cert.pem');
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert,
        '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'], { stdio: 'ignore' });
    } catch {
      console.log('# skipped: no openssl to make a test certificate');
      return;
    }
    const tls = await new S2TestServer({ basin: BASIN, token: TOKEN, tls: { key: fs.readFileSync(key), cert: fs.readFileSync(cert) } }).listen();
    tls.createStream('tls');
    try {
      const run = (env) => new Promise((resolve) => {
        const child = spawn(DRIVE, ['s2', '--endpoint', tls.url, '--basin', BASIN, '--stream', 'tls', '--token', TOKEN,
          '--count', '50'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
        let err = '', out = '';
        child.stderr.on('data', (d) => (err += d));
        child.stdout.on('data', (d) => (out += d));
        const timer = setTimeout(() => child.kill('SIGTERM'), 3000);
        child.on('exit', (code) => { clearTimeout(timer); resolve({ code, err, out }); });
      });
      const untrusted = await run({});
      h.check(/SSLServerVerification/.test(untrusted.err), `untrusted certificate refused: ${untrusted.err}`);
      h.equal(tls.stream('tls').records.length, 0, 'nothing sent to an unverified server');
      const trusted = await run({ SSL_CERT_FILE: cert });
      h.equal(trusted.code, 0, `with the certificate trusted (${trusted.err})`);
      h.equal(tls.stream('tls').records.length, 50, 'appended over TLS');
    } finally {
      await tls.close();
    }
  }],
];

(async () => {
  server = await new S2TestServer({ basin: BASIN, token: TOKEN }).listen();
  h.run(steps, async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
})();
