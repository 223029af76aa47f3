// The floor of bench_sinks.js: posts recorded request bodies, byte for byte (and with their
// Content-Type / Content-Encoding), one at a time over one kept-alive connection, the way a
// sink does, so the test server's own cost per request is what it measures.
//   node sink_floor.js URL BODIES.json [HEADER=VALUE...]
'use strict';
const http = require('http');
const fs = require('fs');

const [url, file, ...extra] = process.argv.slice(2);
const bodies = JSON.parse(fs.readFileSync(file, 'utf8'));
const headers = Object.fromEntries(extra.map((h) => [h.slice(0, h.indexOf('=')), h.slice(h.indexOf('=') + 1)]));
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const u = new URL(url);

function post(b) {
  const raw = Buffer.from(b.raw, 'base64');
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent,
      headers: { ...headers, 'Content-Type': b.contentType, 'Content-Length': raw.length,
        ...(b.encoding ? { 'Content-Encoding': b.encoding } : {}) },
    }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
    });
    req.setNoDelay(true);
    req.on('error', reject);
    req.end(raw);
  });
}

(async () => {
  for (const b of bodies) await post(b);
  agent.destroy();
})().catch((e) => {
  console.error(`sink_floor: ${e.message}`);
  process.exit(1);
});
