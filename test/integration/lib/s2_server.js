// A test server for S2's REST API (s2-streamstore/s2-specs s2/v1/openapi.json), the part a
// stream writer and reader use: create/list streams, append (AppendInput JSON, s2-format raw or
// base64, match_seq_num, fencing_token, the 1,000-record / 1 MiB metered limits), unary reads
// (seq_num / tail_offset, count, bytes, clamp; 416 past the tail) and check-tail, with bearer
// auth and the S2-Basin header s2-lite requires. s2-lite itself cannot be installed here; the
// SDK test (s2_server.test.js) checks this server against S2's own TypeScript SDK.
//
// Fault injection for the sink tests: queue faults for the next appends (`inject`) or set a
// random rate (`chaos`): 500, 429 (with Retry-After), 'timeout' (the append takes effect, the
// answer never comes: the connection stalls for hangMs, then breaks), 'foreign' (another writer appends first, so match_seq_num fails with a
// real 412) and '412' (a 412 naming the true tail without anything else changing). `down(ms)`
// stops listening (connections refused) for a while; the streams survive.
'use strict';
const { TestHttpServer } = require('./test_http_server');

const MAX_RECORDS = 1000;
const MAX_METERED = 1024 * 1024;

function meteredBytes(headers, body) {
  let n = 8 + 2 * headers.length + body.length;
  for (const [k, v] of headers) n += k.length + v.length;
  return n;
}

class S2TestServer extends TestHttpServer {
  // tls: { key, cert } serves https instead of http.
  constructor({ basin = 'faultline-test', token = null, createOnAppend = false, tls = null } = {}) {
    super({ tls });
    this.basin = basin;
    this.token = token;
    this.createOnAppend = createOnAppend;
    this.streams = new Map();  // name -> { records: [{seq_num, timestamp, headers, body}], fencing }
    this.faults = [];
    this.chaosRate = 0;
    this.chaosKinds = [];
    this.counts = { appends: 0, appended: 0, injected: {}, rejected412: 0, reads: 0 };
    this.bodies = null;  // when an array, raw append bodies are kept (for the benchmark floor)
    this.hangMs = 2000;  // how long a 'timeout' fault holds the connection before cutting it
  }

  urlFor(port) { return this.tls ? `https://localhost:${port}` : `http://127.0.0.1:${port}`; }

  inject(...kinds) { this.faults.push(...kinds); }
  chaos(rate, kinds) { this.chaosRate = rate; this.chaosKinds = kinds; }

  stream(name) { return this.streams.get(name); }
  createStream(name) {
    if (!this.streams.has(name)) this.streams.set(name, { records: [], fencing: null, created: new Date().toISOString() });
    return this.streams.get(name);
  }

  answer(req, res, body) {
    try {
      this.route(req, res, body);
    } catch (e) {
      send(res, 500, { code: 'internal', message: String(e && e.stack || e) });
    }
  }

  route(req, res, body) {
    const url = new URL(req.url, 'http://x');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (parts[0] !== 'v1') return send(res, 404, { code: 'not_found', message: `no route ${url.pathname}` });
    if (this.token !== null && req.headers.authorization !== `Bearer ${this.token}`)
      return send(res, 403, { code: 'permission_denied', message: 'invalid or missing access token' });
    const basin = req.headers['s2-basin'];
    if (basin !== this.basin)
      return send(res, 404, { code: 'basin_not_found', message: `basin '${basin}' does not exist (S2-Basin header)` });
    if (parts[1] !== 'streams') return send(res, 404, { code: 'not_found', message: `no route ${url.pathname}` });
    if (parts.length === 2 && req.method === 'POST') return this.createStreamRoute(res, body);
    if (parts.length === 2 && req.method === 'GET') return this.listStreams(res, url);
    const name = parts[2];
    if (parts.length === 3 && req.method === 'GET') return this.streamConfig(res, name);
    if (parts.length === 3 && req.method === 'DELETE') {
      this.streams.delete(name);
      res.writeHead(202).end();
      return;
    }
    if (parts[3] !== 'records') return send(res, 404, { code: 'not_found', message: `no route ${url.pathname}` });
    if (parts.length === 5 && parts[4] === 'tail' && req.method === 'GET') return this.tail(res, name);
    if (parts.length === 4 && req.method === 'POST') return this.append(req, res, name, body);
    if (parts.length === 4 && req.method === 'GET') return this.read(req, res, name, url);
    return send(res, 405, { code: 'method_not_allowed', message: `${req.method} ${url.pathname}` });
  }

  createStreamRoute(res, body) {
    const input = JSON.parse(body.toString('utf8') || '{}');
    if (typeof input.stream !== 'string' || input.stream.length < 1 || input.stream.length > 512)
      return send(res, 400, { code: 'invalid', message: 'stream name must be 1-512 bytes' });
    if (this.streams.has(input.stream))
      return send(res, 409, { code: 'resource_already_exists', message: 'stream already exists' });
    const s = this.createStream(input.stream);
    send(res, 201, { name: input.stream, created_at: s.created, deleted_at: null });
  }

  listStreams(res, url) {
    const prefix = url.searchParams.get('prefix') || '';
    const streams = [...this.streams.entries()].filter(([n]) => n.startsWith(prefix))
      .map(([name, s]) => ({ name, created_at: s.created, deleted_at: null }));
    send(res, 200, { streams, has_more: false });
  }

  streamConfig(res, name) {
    if (!this.streams.has(name)) return notFound(res, name);
    send(res, 200, { storage_class: 'express', retention_policy: { age: 604800 }, timestamping: { mode: 'arrival', uncapped: false }, delete_on_empty: { min_age_secs: 0 } });
  }

  tailPosition(s) {
    const last = s.records[s.records.length - 1];
    return { seq_num: s.records.length, timestamp: last ? last.timestamp : 0 };
  }

  tail(res, name) {
    const s = this.streams.get(name);
    if (!s) return notFound(res, name);
    send(res, 200, { tail: this.tailPosition(s) });
  }

  nextFault() {
    if (this.faults.length) return this.faults.shift();
    if (this.chaosRate > 0 && Math.random() < this.chaosRate)
      return this.chaosKinds[Math.floor(Math.random() * this.chaosKinds.length)];
    return null;
  }

  append(req, res, name, body) {
    let s = this.streams.get(name);
    if (!s && this.createOnAppend) s = this.createStream(name);
    if (!s) return notFound(res, name);
    if (this.bodies) this.bodies.push({ contentType: req.headers['content-type'], raw: body });
    if (!/application\/json/.test(req.headers['content-type'] || ''))
      return send(res, 415, { code: 'unsupported_media_type', message: 'this test server speaks JSON only' });
    const fault = this.nextFault();
    if (fault) this.counts.injected[fault] = (this.counts.injected[fault] || 0) + 1;
    if (fault === '500') return send(res, 500, { code: 'internal', message: 'injected failure' });
    if (fault === '429') return send(res, 429, { code: 'rate_limited', message: 'injected throttle' }, { 'Retry-After': '0' });
    if (fault === 'foreign') this.commit(s, [{ headers: [['writer', 'someone-else']], body: 'foreign record' }]);
    if (fault === '412') return send(res, 412, { seq_num_mismatch: s.records.length });
    const input = JSON.parse(body.toString('utf8'));
    const base64 = req.headers['s2-format'] === 'base64';
    const records = (input.records || []).map((r) => decodeRecord(r, base64));
    const error = validate(records);
    if (error) return send(res, 400, { code: 'invalid', message: error });
    if (input.fencing_token != null && input.fencing_token !== s.fencing) {
      this.counts.rejected412++;
      return send(res, 412, { fencing_token_mismatch: s.fencing || '' });
    }
    if (input.match_seq_num != null && input.match_seq_num !== s.records.length) {
      this.counts.rejected412++;
      return send(res, 412, { seq_num_mismatch: s.records.length });
    }
    const ack = this.commit(s, records);
    this.counts.appends++;
    this.counts.appended += records.length;
    if (fault === 'timeout') {
      // The write took effect; the answer never comes: the connection stalls, then breaks.
      setTimeout(() => res.socket && res.socket.destroy(), this.hangMs);
      return;
    }
    send(res, 200, ack);
  }

  commit(s, records) {
    const start = { ...this.tailPosition(s) };
    let ts = Math.max(Date.now(), start.timestamp);
    for (const r of records) {
      const ts_ = r.timestamp != null ? Math.max(r.timestamp, ts) : ts;
      s.records.push({ seq_num: s.records.length, timestamp: ts_, headers: r.headers, body: r.body });
      ts = ts_;
    }
    start.timestamp = s.records[start.seq_num] ? s.records[start.seq_num].timestamp : start.timestamp;
    const end = this.tailPosition(s);
    return { start, end, tail: end };
  }

  read(req, res, name, url) {
    const s = this.streams.get(name);
    if (!s) return notFound(res, name);
    this.counts.reads++;
    if (/text\/event-stream/.test(req.headers.accept || ''))
      return send(res, 400, { code: 'invalid', message: 'this test server serves unary JSON reads only' });
    const q = url.searchParams;
    const tail = s.records.length;
    let start = tail;
    if (q.has('seq_num')) start = Number(q.get('seq_num'));
    else if (q.has('tail_offset')) start = Math.max(0, tail - Number(q.get('tail_offset')));
    else if (q.has('timestamp')) {
      const t = Number(q.get('timestamp'));
      start = s.records.findIndex((r) => r.timestamp >= t);
      if (start < 0) start = tail;
    }
    const clamp = q.get('clamp') === 'true';
    if (!Number.isInteger(start) || start < 0) return send(res, 400, { code: 'invalid', message: 'bad start' });
    if (start > tail) {
      if (!clamp) return send(res, 416, { tail: this.tailPosition(s) });
      start = tail;
    }
    const count = Math.min(Number(q.get('count') || MAX_RECORDS), MAX_RECORDS);
    const bytes = Math.min(Number(q.get('bytes') || MAX_METERED), MAX_METERED);
    const until = q.has('until') ? Number(q.get('until')) : Infinity;
    const base64 = req.headers['s2-format'] === 'base64';
    const out = [];
    let size = 0;
    for (let i = start; i < tail && out.length < count; i++) {
      const r = s.records[i];
      if (r.timestamp >= until) break;
      const m = meteredBytes(r.headers, Buffer.from(r.body, 'utf8'));
      if (out.length > 0 && size + m > bytes) break;
      size += m;
      out.push(encodeRecord(r, base64));
    }
    send(res, 200, { records: out, tail: this.tailPosition(s) });
  }
}

function decodeRecord(r, base64) {
  const dec = (v) => (base64 ? Buffer.from(v, 'base64').toString('utf8') : v);
  const headers = (r.headers || []).map(([k, v]) => [dec(k), dec(v)]);
  return { headers, body: dec(r.body || ''), timestamp: r.timestamp ?? null };
}

function encodeRecord(r, base64) {
  const enc = (v) => (base64 ? Buffer.from(v, 'utf8').toString('base64') : v);
  return { seq_num: r.seq_num, timestamp: r.timestamp, headers: r.headers.map(([k, v]) => [enc(k), enc(v)]), body: enc(r.body) };
}

function validate(records) {
  if (records.length < 1 || records.length > MAX_RECORDS) return `a batch holds 1-${MAX_RECORDS} records, not ${records.length}`;
  let total = 0;
  for (const r of records) {
    for (const h of r.headers) if (!Array.isArray(h) || h.length !== 2) return 'a header is a [name, value] pair';
    total += meteredBytes(r.headers.map(([k, v]) => [Buffer.from(k), Buffer.from(v)]), Buffer.from(r.body, 'utf8'));
  }
  if (total > MAX_METERED) return `batch is ${total} metered bytes, over ${MAX_METERED}`;
  return null;
}

function notFound(res, name) {
  send(res, 404, { code: 'stream_not_found', message: `stream '${name}' does not exist` });
}

function send(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

module.exports = { S2TestServer, meteredBytes, MAX_RECORDS, MAX_METERED };
