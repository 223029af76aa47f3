// The OTLP logs exporter end to end: sink_drive (the exporter behind a persisted cursor, as a
// sink runs it) posts to a receiver that decodes every request with the official OTLP protobuf
// definitions, strictly (lib/otlp_receiver.js), in OTLP/JSON and protobuf, gzip or not.
// Asserts the log records field by field (times, severity, event_name, body, attributes,
// semantic conventions, resource), 10,000 events exactly once in order, the retryable errors
// (429 with Retry-After, 502, 503, 504, a lost answer) retried and nothing else, partialSuccess,
// 415 to gzip, a 30 s outage and kill -9 (repeats carry the same faultline.idempotency_key).
'use strict';
const fs = require('fs');
const path = require('path');
const h = require('../../../../integration/lib/proxy_harness');
const { startDrive } = require('../../../../integration/lib/sink_drive');
const { OtlpReceiver, available, decode } = require('../../../../integration/lib/otlp_receiver');

const DRIVE = process.env.SINK_DRIVE;
if (!DRIVE) h.skip('SINK_DRIVE is not set (run through meson test)');
if (!available) h.skip('@opentelemetry/otlp-transformer missing: run `npm ci` in test/integration');

const SECRET = 'supersecret-42';
const dir = h.tmpDir('faultline-otlp-');
let rx;

function drive(args = [], { endpoint } = {}) {
  return startDrive(DRIVE, ['otlp', '--endpoint', endpoint || rx.url, '--instance', 'hub-a',
    '--header', `Authorization=Bearer%20${SECRET}`, ...args]);
}

const seqOf = (r) => r.attrs['faultline.seq'];

// The first arrival of each idempotency key must be events 1..n in order; returns the repeats.
function assertExactlyOnce(records, n) {
  h.equal(rx.violations.length, 0, `schema violations: ${rx.violations[0]}`);
  const seen = new Set();
  const firsts = [];
  for (const r of records) {
    const key = r.attrs['faultline.idempotency_key'];
    if (seen.has(key)) continue;
    seen.add(key);
    firsts.push(r);
  }
  h.equal(firsts.length, n, 'distinct events');
  firsts.forEach((r, i) => {
    if (seqOf(r) !== i + 1) throw new Error(`record ${i} is seq ${seqOf(r)}: out of order or missing`);
    h.equal(r.attrs['faultline.idempotency_key'], `hub-a:${i + 1}`, 'idempotency key');
  });
  return records.length - firsts.length;
}

// What sink_drive's event `seq` must look like as a log record (see sink_drive.cpp make()).
function checkRecord(r) {
  const seq = seqOf(r);
  const type = ['system_oom_kill', 'memory_pressure', 'cdp_connect', 'cdp_disconnect', 'service_crashed',
    'network_response', 'network_loading_failed', 'memory_pressure'][seq % 8];
  h.equal(r.eventName, type, `eventName of ${seq}`);
  let sev = 'INFO';
  if (type === 'system_oom_kill' || type === 'service_crashed') sev = 'ERROR';
  if (type === 'memory_pressure') sev = seq % 16 === 1 ? 'ERROR' : 'WARN';
  if (type === 'network_loading_failed') sev = 'WARN';
  if (type === 'cdp_disconnect') sev = seq % 3 ? 'WARN' : 'INFO';
  h.equal(r.severityText, sev, `severityText of ${seq} (${type})`);
  h.equal(r.severityNumber, { INFO: 9, WARN: 13, ERROR: 17 }[sev], `severityNumber of ${seq}`);
  const time = BigInt(r.timeUnixNano), observed = BigInt(r.observedTimeUnixNano);
  const now = BigInt(Date.now()) * 1000000n;
  h.check(time > now - 600n * 1000000000n && time <= now, `timeUnixNano of ${seq} is the event's ts`);
  h.check(observed > 0n && observed - time < 60n * 1000000000n, `observedTimeUnixNano of ${seq}`);
  h.equal(r.attrs['faultline.category'], type.startsWith('network') ? 'network' : type.startsWith('cdp') ? 'cdp' : 'system', 'category');
  h.equal(r.attrs['faultline.source.kind'], 'drive', 'source kind');
  h.equal(r.attrs['faultline.source.host'], 'vm-test', 'source host');
  h.equal(r.attrs['faultline.event_id'], `producer:${seq}`, 'producer id');
  h.equal(r.resource['service.name'], 'faultline', 'service.name');
  h.equal(r.resource['host.name'], 'vm-test', 'host.name');
  h.equal(r.scope.name, 'faultline', 'scope');
  if (type === 'system_oom_kill') {
    h.equal(r.data.pid, 1000 + seq, 'body.pid');
    h.equal(r.data.process_name, 'chromium', 'body.process_name');
  } else if (type === 'memory_pressure') {
    h.equal(JSON.stringify(r.data.reasons), '["psi","swap"]', 'body.reasons (array)');
    h.equal(r.data.psi_some_avg10, 12.5, 'body.psi_some_avg10 (double)');
    h.equal(r.data.eta_seconds, null, 'body.eta_seconds (null)');
  } else if (type === 'service_crashed') {
    h.equal(r.data.service_name, 'svc "quoted" ü', 'body string with quotes and UTF-8');
    h.equal(r.data.expected, false, 'body bool');
  } else if (type === 'network_response') {
    h.equal(r.attrs['http.request.method'], 'GET', 'http.request.method');
    h.equal(r.attrs['url.full'], `https://example.test/p?q=${seq}`, 'url.full');
    h.equal(r.attrs['http.response.status_code'], 200 + (seq % 300), 'http.response.status_code');
  } else if (type === 'network_loading_failed') {
    h.equal(r.attrs['url.full'], 'https://example.test/f', 'url.full');
    h.check(!('http.request.method' in r.attrs), 'no method invented');
  } else {
    h.check(!('url.full' in r.attrs), 'semantic-convention attributes only on network events');
  }
}

let jsonRecords;

const steps = [
  ['the receiver is strict: an unknown JSON key, a wrongly typed value or an unknown protobuf field fails', async () => {
    const ok = { resourceLogs: [{ scopeLogs: [{ logRecords: [{ timeUnixNano: '1', eventName: 'x', body: { stringValue: 's' } }] }] }] };
    h.check(decode('application/json', Buffer.from(JSON.stringify(ok))).request, 'a valid request decodes');
    const unknown = JSON.parse(JSON.stringify(ok));
    unknown.resourceLogs[0].scopeLogs[0].logRecords[0].event_name = 'x';
    h.check(decode('application/json', Buffer.from(JSON.stringify(unknown))).violation, 'snake_case key refused');
    const typed = JSON.parse(JSON.stringify(ok));
    typed.resourceLogs[0].scopeLogs[0].logRecords[0].body = { intValue: 'abc' };
    h.check(decode('application/json', Buffer.from(JSON.stringify(typed))).violation, 'non-numeric intValue refused');
    const pb = Buffer.concat([Buffer.from([0x0a, 0x00]), Buffer.from([0xf8, 0x01, 0x01])]);  // + field 31 varint
    h.check(decode('application/x-protobuf', pb).violation, 'unknown protobuf field refused');
  }],

  ['OTLP/JSON, gzip: 10,000 events exactly once, in order, every field as the schema says', async () => {
    const r = await drive(['--count', '10000']).done;
    h.equal(r.code, 0, `exit (${r.stderr})`);
    h.equal(r.stats.exported, 10000, 'exported');
    h.equal(assertExactlyOnce(rx.records, 10000), 0, 'repeats');
    h.check(rx.requests.every((q) => q.encoding === 'gzip' && /application\/json/.test(q.contentType)), 'gzip JSON');
    h.check(rx.requests.every((q) => q.headers.authorization === `Bearer ${SECRET}`), '--header reaches the collector');
    h.check(rx.requests.every((q) => q.count <= 512), 'at most 512 records a request');
    rx.records.forEach(checkRecord);
    jsonRecords = rx.records;
  }],

  ['protobuf, uncompressed: the same records, field for field', async () => {
    rx.records = [];
    rx.requests = [];
    const r = await drive(['--count', '2000', '--protocol', 'protobuf', '--no-gzip']).done;
    h.equal(r.code, 0, `exit (${r.stderr})`);
    h.equal(assertExactlyOnce(rx.records, 2000), 0, 'repeats');
    h.check(rx.requests.every((q) => q.encoding === '' && /application\/x-protobuf/.test(q.contentType)), 'plain protobuf');
    rx.records.forEach((p, i) => {
      const j = jsonRecords[i];
      for (const k of ['eventName', 'severityNumber', 'severityText'])
        h.equal(p[k], j[k], `${k} of ${i + 1}`);
      const strip = (a) => JSON.stringify(Object.entries(a).sort());
      h.equal(strip(p.attrs), strip(j.attrs), `attributes of ${i + 1}`);
      h.equal(JSON.stringify(p.data), JSON.stringify(j.data), `body of ${i + 1}`);
      checkRecord(p);
    });
  }],

  ['retryable answers (429 with Retry-After, 502, 503, 504, a lost answer) are retried; nothing lost', async () => {
    rx.records = [];
    rx.answers = [];
    rx.hangMs = 1500;
    rx.inject({ status: 429, retryAfter: 1 }, { status: 502 }, { status: 503 }, { status: 504 }, 'timeout');
    const r = await drive(['--count', '1500']).done;
    h.equal(r.code, 0, `exit (${r.stderr})`);
    h.check(r.stats.retries >= 5, `retries ${r.stats.retries}`);
    const gap = rx.answers[1].t - rx.answers[0].t;
    h.check(gap >= 950, `Retry-After: 1 was honoured (${gap} ms)`);
    const repeats = assertExactlyOnce(rx.records, 1500);
    h.equal(repeats, 512, 'only the batch whose answer was lost came twice, with the same keys');
  }],

  ['partialSuccess is counted and logged; 400 and 500 drop the batch; 415 to gzip falls back to plain', async () => {
    rx.records = [];
    rx.inject({ partial: 5 }, { status: 400 }, { status: 500 });
    const r = await drive(['--count', '2000']).done;
    h.equal(r.code, 0, `exit (${r.stderr})`);
    h.equal(r.stats.rejected, 5, 'rejected by partialSuccess');
    h.check(/collector rejected 5 of 512 log record\(s\): injected: 5 rejected/.test(r.stderr), r.stderr);
    h.equal(r.stats.dropped, 1024, 'two batches refused for good');
    h.check(/refused 512 log record\(s\) for good \(400 injected 400\)/.test(r.stderr), r.stderr);
    h.equal(rx.records.length, 2000 - 5 - 1024, 'the rest arrived');
    rx.records = [];
    rx.requests = [];
    rx.acceptGzip = false;
    const plain = await drive(['--count', '600']).done;
    rx.acceptGzip = true;
    h.equal(plain.code, 0, `exit (${plain.stderr})`);
    h.check(/refused gzip \(415\)/.test(plain.stderr), plain.stderr);
    h.equal(assertExactlyOnce(rx.records, 600), 0, 'repeats');
    h.check(rx.requests.every((q) => q.encoding === ''), 'uncompressed after the 415');
  }],

  ['401 stops the exporter with a clear error that never shows the header value; a refused port is retried', async () => {
    rx.inject({ status: 401 });
    const r = await drive(['--count', '10']).done;
    h.equal(r.code, 3, 'fatal exit');
    h.check(/401/.test(r.stats.fatal) && /--otlp-header/.test(r.stats.fatal), `error: ${r.stats.fatal}`);
    h.check(!r.stderr.includes(SECRET), 'the header value is never logged');
    const port = await h.freePort();
    const child = drive(['--count', '10'], { endpoint: `http://127.0.0.1:${port}/v1/logs` });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    await h.waitFor('a logged connection failure', () => /retrying/.test(err), 10000);
    h.check(/Connection/.test(err), `the log names the cause: ${err}`);
    child.kill('SIGTERM');
    await child.done;
  }],

  ['the collector down for 30 s while events keep coming: nothing lost, nothing twice', async () => {
    rx.records = [];
    const child = drive(['--count', '8000', '--rate', '250']);
    await h.sleep(2000);
    await rx.down(30000);
    const r = await child.done;
    h.equal(r.code, 0, `exit (${r.stderr})`);
    h.check(/retrying/.test(r.stderr), 'the outage was logged');
    h.equal(assertExactlyOnce(rx.records, 8000), 0, 'repeats');
  }],

  ['kill -9 mid-stream: the restart resends only what was not acknowledged, with the same keys', async () => {
    rx.records = [];
    const cursor = path.join(dir, 'otlp.cursor');
    const args = ['--count', '10000', '--cursor', cursor, '--cursor-every-ms', '300'];
    const child = drive([...args, '--rate', '2000']);
    await h.waitFor('records at the collector', () => rx.records.length > 2000, 15000);
    child.kill('SIGKILL');
    await child.done;
    const received = rx.records.length;
    const saved = Number(fs.readFileSync(cursor, 'utf8'));
    h.check(saved <= received, `cursor ${saved}, received ${received}`);
    const r = await drive(args).done;
    h.equal(r.code, 0, `restart exit (${r.stderr})`);
    h.equal(assertExactlyOnce(rx.records, 10000), received - saved, 'repeats are exactly the unacknowledged tail');
  }],
];

(async () => {
  rx = await new OtlpReceiver().listen();
  h.run(steps, async () => {
    await rx.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
})();
