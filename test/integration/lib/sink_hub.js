// Shared by the S2 and OTLP hub tests: the real cdp-proxy (its hub with a sink) on loopback
// ports, events posted over HTTP, the sink's metrics, and the journal to compare against.
// Builds on the NATS sink tests' harness (processes, ports, posting, journal pages).
'use strict';
const nh = require('../../cdp-proxy/hub/sinks/nats/nats_harness');

// Waits until sink `name` has acknowledged everything the hub recorded.
async function waitExported(hub, name, ms = 60000) {
  await nh.waitFor(`the ${name} sink to catch up`, async () => {
    const m = await nh.metrics(hub);
    return m[`faultline_sink_lag_events{sink="${name}"}`] === 0 &&
      m[`faultline_sink_cursor{sink="${name}"}`] === m.faultline_hub_last_seq;
  }, ms, 100);
}

let serial = 0;
// n service_crashed events with fresh producer ids.
function events(n, tag = 'e') {
  const out = [];
  for (let i = 0; i < n; i++, serial++) out.push(nh.crashEvent(`${tag}:${serial}`, serial));
  return out;
}

async function postAll(hub, lines, per = 500) {
  for (let i = 0; i < lines.length; i += per) await nh.post(hub, lines.slice(i, i + per));
}

module.exports = { ...nh, waitExported, events, postAll };
