// The page benchmark's SSE reader, in a process of its own so that its timing does not wait on
// the load generator's event loop. Reads <url>; for each event whose producer id is
// "b:<tag>:<n>:<sent ms>" (sent on the monotonic clock, which every process shares) it keeps
// the delivery latency in ms under its tag. Its parent asks over IPC:
//   {count: 1}    -> {count}            every tagged event so far
//   {report: TAG} -> {tag, lat: [ms…]}  one tag's latencies
'use strict';
const http = require('http');
const path = require('path');
const { sseSplitter } = require(path.join(__dirname, '..', 'integration', 'lib', 'proxy_harness'));

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
const byTag = new Map();
let count = 0;

function take(data, now) {
  const m = /"id":"b:(\d+):\d+:([\d.]+)"/.exec(data);
  if (!m) return;
  if (!byTag.has(m[1])) byTag.set(m[1], []);
  byTag.get(m[1]).push(now - Number(m[2]));
  count++;
}

function read(url) {
  http.get(url, { headers: { Accept: 'text/event-stream' } }, (res) => {
    if (res.statusCode !== 200) {
      console.error(`sse_timer: ${url} answered ${res.statusCode}`);
      process.exit(1);
    }
    const split = sseSplitter();
    res.setEncoding('utf8');
    res.on('data', (chunk) => {
      const now = nowMs();
      for (const { data } of split(chunk)) take(data, now);
    });
    res.on('end', () => process.exit(0));
  }).on('error', (err) => { console.error(`sse_timer: ${err.message}`); process.exit(1); });
}

process.on('message', (m) => {
  if (m.count) process.send({ count });
  else if (m.report !== undefined) process.send({ tag: m.report, lat: byTag.get(String(m.report)) || [] });
});
process.on('disconnect', () => process.exit(0));
read(process.argv[2]);
