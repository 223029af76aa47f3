// monitor_init_failed, provoked for real: a tiny DevTools endpoint (HTTP /json/version plus a
// WebSocket, both real) that accepts the monitor's connection but answers every command with a
// CDP error. The real cdp-proxy publishes monitor_init_failed once, with the step and
// Chromium's error, keeps retrying without another event, and stays attached once the endpoint
// starts answering.
'use strict';
const http = require('http');
const WebSocket = require('ws');
const h = require('../../integration/lib/proxy_harness');
const m = require('../../integration/lib/monitor_harness');

h.requirePrerequisites();

async function fakeDevtools() {
  // Until ready is set, /json/version fails: nothing to connect to yet.
  const state = { ready: false, failing: true, connections: 0, commands: [], open: 0 };
  const server = http.createServer((req, res) => {
    const { port } = server.address();
    if (!state.ready) {
      res.writeHead(503);
      return res.end();
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ Browser: 'Fake/1.0', webSocketDebuggerUrl: `ws://127.0.0.1:${port}/devtools/browser/0b1d-fake` }));
  });
  const wss = new WebSocket.Server({ noServer: true });
  server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => {
    state.connections++;
    state.open++;
    ws.on('close', () => state.open--);
    ws.on('message', (raw) => {
      const msg = JSON.parse(raw);
      state.commands.push(msg.method);
      ws.send(JSON.stringify(state.failing
        ? { id: msg.id, error: { code: -32601, message: `'${msg.method}' wasn't found` } }
        : { id: msg.id, result: {} }));
    });
  }));
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    state,
    port: server.address().port,
    close: () => new Promise((r) => { for (const c of wss.clients) c.terminate(); server.close(r); server.closeAllConnections(); }),
  };
}

async function main() {
  const fake = await fakeDevtools();
  const proxy = await m.startProxyWithHub(['--upstream', `127.0.0.1:${fake.port}`]);
  await h.run([
    ['an endpoint that fails the init commands gives monitor_init_failed', async () => {
      // monitor_* events are recorded under a capture.
      const r = await m.telemetry(proxy.hub, 'PUT', m.browserConfig('page'));
      h.equal(r.status, 201, 'capture started');
      fake.state.ready = true;
      const e = await proxy.waitEvent('monitor_init_failed', (x) => x.type === 'monitor_init_failed', 15000);
      h.equal(e.category, 'monitor', 'category');
      h.equal(e.data.step, 'Target.setDiscoverTargets', 'step');
      h.equal(e.data.error, "'Target.setDiscoverTargets' wasn't found", 'the endpoint\'s error');
    }],
    ['the monitor retries without publishing it again', async () => {
      await h.waitFor('a second connection', () => fake.state.connections >= 2, 15000, 50);
      h.equal(proxy.events().filter((x) => x.type === 'monitor_init_failed').length, 1, 'one event');
      h.equal((proxy.stderr().match(/init failed/g) || []).length, 1, 'one log line');
    }],
    ['once the endpoint answers, the monitor stays attached', async () => {
      fake.state.failing = false;
      const n = fake.state.connections;
      await h.waitFor('a connection that succeeds', () => fake.state.connections > n, 15000, 50);
      await h.sleep(3000);
      h.equal(fake.state.connections, n + 1, 'no further connections');
      h.equal(fake.state.open, 1, 'the connection is still open');
      h.equal(proxy.events().filter((x) => x.type === 'monitor_init_failed').length, 1, 'still one event');
    }],
  ], async () => {
    await proxy.stop();
    await fake.close();
  });
}

main();
