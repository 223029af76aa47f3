// The common alternative as the benchmark's baseline: node's http-proxy with ws: true relaying
// WebSockets to Chromium (changeOrigin so Chromium accepts the Host). Run as its own process
// (like the proxy under test): node bench_proxy_httpproxy.js <chromium port>. Prints
// "listening on port N" on stderr.
'use strict';
const http = require('http');
const { createRequire } = require('module');
const path = require('path');

const req = createRequire(path.join(__dirname, '..', 'integration', 'package.json'));
const httpProxy = req('http-proxy');
const target = `ws://127.0.0.1:${Number(process.argv[2])}`;
const proxy = httpProxy.createProxyServer({ target, ws: true, changeOrigin: true });
proxy.on('error', (e) => console.error(`http-proxy: ${e.message}`));
const server = http.createServer((rq, rs) => proxy.web(rq, rs));
server.on('upgrade', (rq, socket, head) => {
  delete rq.headers.origin;
  proxy.ws(rq, socket, head);
});
server.listen(0, '127.0.0.1', () => console.error(`listening on port ${server.address().port}`));
process.on('SIGTERM', () => process.exit(0));
