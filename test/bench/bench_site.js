// The monitor tests' local site in a process of its own (the benchmark measures page loads
// from it; serving from the measuring process would add its load to what is measured), plus
// the flood's request sink on 127.0.0.1-16 (one origin allows only 6 connections in Chromium,
// too few for 2,000 requests per second). Prints the site's URL, then the sink's origins.
'use strict';
const http = require('http');
const m = require('../integration/lib/monitor_harness');

async function sink(host, port) {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': '2', 'Access-Control-Allow-Origin': '*', 'Cache-Control': 'no-store' });
    res.end('ok');
  });
  server.keepAliveTimeout = 60000;
  await new Promise((resolve, reject) => { server.once('error', reject); server.listen(port, host, resolve); });
  return `http://${host}:${server.address().port}`;
}

async function main() {
  const site = await m.startSite();
  const first = await sink('127.0.0.1', 0);
  const port = Number(new URL(first).port);
  const origins = [first];
  for (let i = 2; i <= 16; i++)
    origins.push(await sink(`127.0.0.${i}`, port).catch(() => null));
  console.log(site.url);
  console.log(`sinks ${origins.filter(Boolean).join(' ')}`);
}

main();
