// The S2 test server (lib/s2_server.js) checked against S2's own TypeScript SDK
// (@s2-dev/streamstore): what the vendor's client sends, the test server must take, and what it
// answers, the client must read as S2's answers. Streams, appends (with headers, match_seq_num
// and fencing tokens), unary reads, check-tail, 412s, 416s, auth and the batch limits.
'use strict';
const h = require('../../../../integration/lib/proxy_harness');
const { S2TestServer, meteredBytes } = require('../../../../integration/lib/s2_server');

let S2, AppendInput, AppendRecord, SeqNumMismatchError, FencingTokenMismatchError, sdkMetered;
try {
  ({ S2, AppendInput, AppendRecord, SeqNumMismatchError, FencingTokenMismatchError, meteredBytes: sdkMetered } =
    require('@s2-dev/streamstore'));
} catch {
  h.skip('@s2-dev/streamstore missing: run `npm ci` in test/integration');
}

const BASIN = 'faultline-sdk';
let server;

function client(token = 'secret', retry = { maxAttempts: 1 }) {
  // A non-default basin endpoint makes the SDK send S2-Basin, as it does for s2-lite.
  return new S2({ accessToken: token, endpoints: { account: server.url, basin: server.url }, retry });
}

const steps = [
  ['the SDK creates a stream, appends records with headers and reads them back', async () => {
    const basin = client().basin(BASIN);
    await basin.streams.create({ stream: 'events' });
    const stream = basin.stream('events');
    const ack = await stream.append(AppendInput.create([
      AppendRecord.string({ body: '{"seq":1}', headers: [['seq', '1'], ['type', 'cdp_connect']] }),
      AppendRecord.string({ body: 'ünïcode ✓', headers: [['seq', '2']] }),
    ]));
    h.equal(ack.start.seqNum, 0, 'ack.start');
    h.equal(ack.end.seqNum, 2, 'ack.end');
    h.equal(ack.tail.seqNum, 2, 'ack.tail');
    h.check(ack.end.timestamp instanceof Date && ack.end.timestamp.getTime() > 0, 'timestamps are dates');
    const batch = await stream.read({ start: { from: { seqNum: 0 } }, stop: { limits: { count: 10 } } });
    h.equal(batch.records.length, 2, 'records read');
    h.equal(batch.records[0].body, '{"seq":1}', 'body 0');
    h.equal(JSON.stringify(batch.records[0].headers), '[["seq","1"],["type","cdp_connect"]]', 'headers 0');
    h.equal(batch.records[1].body, 'ünïcode ✓', 'UTF-8 body');
    h.equal(batch.records[1].seqNum, 1, 'seq_num 1');
    const tail = await stream.checkTail();
    h.equal(tail.tail.seqNum, 2, 'check tail');
  }],

  ['match_seq_num: a matching append lands, a stale one is a SeqNumMismatchError with the tail', async () => {
    const stream = client().basin(BASIN).stream('events');
    const ok = await stream.append(AppendInput.create([AppendRecord.string({ body: 'third' })], { matchSeqNum: 2 }));
    h.equal(ok.start.seqNum, 2, 'appended at 2');
    let err;
    try {
      await stream.append(AppendInput.create([AppendRecord.string({ body: 'stale' })], { matchSeqNum: 2 }));
    } catch (e) {
      err = e;
    }
    h.check(err instanceof SeqNumMismatchError, `SeqNumMismatchError, got ${err}`);
    h.equal(err.expectedSeqNum, 3, 'expected seq num');
    h.equal((await stream.checkTail()).tail.seqNum, 3, 'nothing was written');
  }],

  ['fencing token mismatch is a FencingTokenMismatchError', async () => {
    const stream = client().basin(BASIN).stream('events');
    let err;
    try {
      await stream.append(AppendInput.create([AppendRecord.string({ body: 'x' })], { fencingToken: 'not-mine' }));
    } catch (e) {
      err = e;
    }
    h.check(err instanceof FencingTokenMismatchError, `FencingTokenMismatchError, got ${err}`);
  }],

  ['reads: tail_offset, count limits, clamp, and 416 past the tail', async () => {
    const stream = client().basin(BASIN).stream('events');
    const last = await stream.read({ start: { from: { tailOffset: 1 } } });
    h.equal(last.records.length, 1, 'tail_offset 1 reads one');
    h.equal(last.records[0].body, 'third', 'the last record');
    const two = await stream.read({ start: { from: { seqNum: 0 } }, stop: { limits: { count: 2 } } });
    h.equal(two.records.length, 2, 'count 2');
    const clamped = await stream.read({ start: { from: { seqNum: 99 }, clamp: true } });
    h.equal(clamped.records.length, 0, 'clamped read past the tail is empty');
    let err;
    try {
      await stream.read({ start: { from: { seqNum: 99 } } });
    } catch (e) {
      err = e;
    }
    h.check(err && err.status === 416, `416 past the tail, got ${err}`);
  }],

  ['a wrong token is refused with 403 and a message the SDK reports', async () => {
    server.token = 'secret';
    let err;
    try {
      await client('wrong').basin(BASIN).stream('events').checkTail();
    } catch (e) {
      err = e;
    }
    h.check(err && err.status === 403, `403, got ${err && err.status}`);
    h.check(/access token/.test(err.message), `message: ${err.message}`);
  }],

  ['a missing stream is a 404 the SDK reports; a 1,001-record batch is refused by the SDK itself', async () => {
    let err;
    try {
      await client().basin(BASIN).stream('nope').checkTail();
    } catch (e) {
      err = e;
    }
    h.check(err && err.status === 404, `404, got ${err && err.status}`);
    let tooMany;
    try {
      AppendInput.create(Array.from({ length: 1001 }, () => AppendRecord.string({ body: 'x' })));
    } catch (e) {
      tooMany = e;
    }
    h.check(tooMany, 'the SDK enforces the record limit the server enforces');
  }],

  ['metered bytes: the server counts as the SDK does (the limit both enforce)', async () => {
    for (const [headers, body] of [[[], ''], [[['seq', '42'], ['type', 'system_oom_kill']], '{"a":"ü"}'], [[['k', 'v'.repeat(100)]], 'x'.repeat(5000)]]) {
      const sdk = sdkMetered({ headers, body });
      const ours = meteredBytes(headers.map(([k, v]) => [Buffer.from(k), Buffer.from(v)]), Buffer.from(body));
      h.equal(ours, sdk, `metered bytes of ${JSON.stringify(headers)}`);
    }
    const stream = client().basin(BASIN).stream('events');
    const big = AppendRecord.string({ body: 'y'.repeat(600 * 1024) });
    let err;
    try {
      await stream.append(AppendInput.create([big, big]));
    } catch (e) {
      err = e;
    }
    h.check(err, 'two 600 KiB records exceed 1 MiB (refused by the SDK or the server)');
  }],

  ['injected faults reach the SDK as S2 errors: 500 and 429 are retried by the SDK, a timeout after the write is visible in the stream', async () => {
    const stream = client('secret', { maxAttempts: 3, minBaseDelayMillis: 10, maxBaseDelayMillis: 20 }).basin(BASIN).stream('events');
    server.inject('500', '429');
    const before = (await stream.checkTail()).tail.seqNum;
    const ack = await stream.append(AppendInput.create([AppendRecord.string({ body: 'after faults' })]));
    h.equal(ack.start.seqNum, before, 'appended once after two injected failures');
    h.equal(server.counts.injected['500'], 1, 'one 500');
    h.equal(server.counts.injected['429'], 1, 'one 429');
    server.inject('timeout');
    server.hangMs = 300;
    const short = client('secret', { maxAttempts: 1 });
    let err;
    try {
      await short.basin(BASIN).stream('events').append(AppendInput.create([AppendRecord.string({ body: 'ambiguous' })], { matchSeqNum: before + 1 }));
    } catch (e) {
      err = e;
    }
    h.check(err, 'the SDK saw no answer');
    h.equal((await stream.checkTail()).tail.seqNum, before + 2, 'yet the write took effect');
    let retry;
    try {
      await stream.append(AppendInput.create([AppendRecord.string({ body: 'ambiguous' })], { matchSeqNum: before + 1 }));
    } catch (e) {
      retry = e;
    }
    h.check(retry instanceof SeqNumMismatchError && retry.expectedSeqNum === before + 2,
      'a retry with match_seq_num cannot write it twice');
  }],
];

(async () => {
  server = await new S2TestServer({ basin: BASIN, token: 'secret' }).listen();
  h.run(steps, () => server.close());
})();
