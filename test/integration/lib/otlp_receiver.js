// An OTLP/HTTP logs receiver for the tests: POST /v1/logs in protobuf (application/x-protobuf)
// or OTLP/JSON (application/json), gzip or not, decoded with the official OpenTelemetry proto
// definitions (the protobufjs root generated from opentelemetry-proto that
// @opentelemetry/otlp-transformer ships). Strict: a protobuf body must re-encode to the same
// length (no unknown or misnumbered fields), a JSON body must survive fromObject/toObject
// unchanged (no unknown keys, no wrongly typed values); a violation is recorded and answered 400,
// so a test that checks `violations` fails.
//
// Faults for the exporter tests: queue answers for the next requests (`inject`): a status
// (429 / 502 / 503 / 504 / 400 / 401 / 500 ...), optionally with Retry-After, {partial: n}
// (a 200 whose partialSuccess rejects n records), or 'timeout' (the records are taken, the
// answer never comes: the connection stalls for hangMs, then breaks). `acceptGzip = false`
// answers gzip with 415. `down(ms)` refuses connections for a while.
'use strict';
const { TestHttpServer } = require('./test_http_server');
const zlib = require('zlib');

let root;
try {
  root = require('@opentelemetry/otlp-transformer/build/src/generated/root.js');
} catch {
  root = null;
}
const Request = root && root.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
const Response = root && root.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
const TO_OBJECT = { longs: String, enums: Number, bytes: String };

// Deep equality of JSON values, ignoring key order.
function sameJson(a, b) {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a), kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && sameJson(a[k], b[k]));
}

// Decodes one request body; returns { request } (a plain object, camelCase, 64-bit integers as
// strings) or { violation }.
function decode(contentType, body) {
  if (/application\/x-protobuf/.test(contentType)) {
    let msg;
    try {
      msg = Request.decode(body);
    } catch (e) {
      return { violation: `protobuf does not decode: ${e.message}` };
    }
    const err = Request.verify(msg);
    if (err) return { violation: `protobuf fails verification: ${err}` };
    const again = Request.encode(msg).finish().length;
    if (again !== body.length)
      return { violation: `protobuf holds bytes the schema does not (${body.length} sent, ${again} re-encoded)` };
    return { request: Request.toObject(msg, TO_OBJECT) };
  }
  if (/application\/json/.test(contentType)) {
    let obj;
    try {
      obj = JSON.parse(body.toString('utf8'));
    } catch (e) {
      return { violation: `not JSON: ${e.message}` };
    }
    // (verify() wants Long objects for 64-bit fields; OTLP/JSON sends strings, so the round
    // trip is the check: fromObject coerces what does not fit, toObject then differs.)
    const back = Request.toObject(Request.fromObject(obj), TO_OBJECT);
    if (!sameJson(obj, back))
      return { violation: `OTLP/JSON does not match the schema: sent ${JSON.stringify(obj).slice(0, 600)} decoded ${JSON.stringify(back).slice(0, 600)}` };
    return { request: back };
  }
  return { violation: `unsupported content type ${contentType}` };
}

// The AnyValue of OTLP as a plain JS value (kvlist -> object, array -> array, int -> Number).
function plain(v) {
  if (!v || Object.keys(v).length === 0) return null;
  if ('stringValue' in v) return v.stringValue;
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return v.doubleValue;
  if ('boolValue' in v) return v.boolValue;
  if ('arrayValue' in v) return (v.arrayValue.values || []).map(plain);
  if ('kvlistValue' in v) return Object.fromEntries((v.kvlistValue.values || []).map((kv) => [kv.key, plain(kv.value)]));
  throw new Error(`unknown AnyValue ${JSON.stringify(v)}`);
}
const attrs = (list) => Object.fromEntries((list || []).map((kv) => [kv.key, plain(kv.value)]));

class OtlpReceiver extends TestHttpServer {
  constructor() {
    super();
    this.requests = [];    // { contentType, encoding, headers, resource, records }
    this.records = [];     // every log record received, in arrival order, with .resource
    this.violations = [];
    this.faults = [];
    this.answers = [];     // { t, fault } per request that reached the decoder
    this.acceptGzip = true;
    this.hangMs = 2000;
    this.bodies = null;    // when an array, request bodies are kept as sent (for the benchmark floor)
  }

  urlFor(port) { return `http://127.0.0.1:${port}/v1/logs`; }

  inject(...faults) { this.faults.push(...faults); }

  answer(req, res, raw) {
    if (req.method !== 'POST' || req.url !== '/v1/logs') return reply(res, 404, 'text/plain', 'not found');
    const encoding = req.headers['content-encoding'] || '';
    if (encoding === 'gzip' && !this.acceptGzip) return reply(res, 415, 'text/plain', 'gzip not accepted');
    let body = raw;
    if (encoding === 'gzip') {
      try {
        body = zlib.gunzipSync(raw);
      } catch (e) {
        this.violations.push(`bad gzip: ${e.message}`);
        return reply(res, 400, 'text/plain', 'bad gzip');
      }
    } else if (encoding) {
      return reply(res, 415, 'text/plain', `unsupported Content-Encoding ${encoding}`);
    }
    const contentType = req.headers['content-type'] || '';
    const proto = /protobuf/.test(contentType);
    const fault = this.faults.shift();
    this.answers.push({ t: Date.now(), fault: fault === undefined ? null : fault });
    if (typeof fault === 'number' || (fault && fault.status)) {
      const status = typeof fault === 'number' ? fault : fault.status;
      const headers = fault.retryAfter !== undefined ? { 'Retry-After': String(fault.retryAfter) } : {};
      return reply(res, status, 'application/json', JSON.stringify({ code: 14, message: `injected ${status}` }), headers);
    }
    if (this.bodies) this.bodies.push({ contentType, encoding, raw });
    const { request, violation } = decode(contentType, body);
    if (violation) {
      this.violations.push(violation);
      return reply(res, 400, 'application/json', JSON.stringify({ code: 3, message: violation }));
    }
    let records = [];
    for (const rl of request.resourceLogs || []) {
      const resource = attrs(rl.resource && rl.resource.attributes);
      for (const sl of rl.scopeLogs || [])
        for (const r of sl.logRecords || []) records.push({ ...r, attrs: attrs(r.attributes), data: plain(r.body), resource, scope: sl.scope });
    }
    let rejected = 0;
    if (fault && fault.partial) {
      rejected = Math.min(fault.partial, records.length);
      records = records.slice(0, records.length - rejected);  // the last ones are refused
    }
    this.requests.push({ contentType, encoding, headers: req.headers, count: records.length });
    this.records.push(...records);
    if (fault === 'timeout') {
      setTimeout(() => res.socket && res.socket.destroy(), this.hangMs);
      return;
    }
    const partial = rejected ? { rejectedLogRecords: rejected, errorMessage: `injected: ${rejected} rejected` } : null;
    if (proto) {
      const msg = Response.fromObject(partial ? { partialSuccess: partial } : {});
      return reply(res, 200, 'application/x-protobuf', Buffer.from(Response.encode(msg).finish()));
    }
    const json = partial ? { partialSuccess: { ...partial, rejectedLogRecords: String(rejected) } } : {};
    return reply(res, 200, 'application/json', JSON.stringify(json));
  }
}

function reply(res, status, type, body, headers = {}) {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

module.exports = { OtlpReceiver, decode, plain, available: Boolean(root) };
