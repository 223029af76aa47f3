// The disconnect reasons that matter most, against a real headless Chromium and real clients
// (npm ws, chrome-remote-interface, Playwright, Puppeteer), each checked for the close code and
// reason its library reports: Chromium restarted under connected clients (1012 upstream_changed,
// with duration_ms measured to the disconnect, not to the new browser), a page target closed by
// another client (1001 target_closed), a dial during the restart that waits for the new browser,
// Chromium killed for good (1011 upstream_error after --restart-confirm-wait, ts pinned at the
// disconnect), a client that stops reading (cut off after --slow-client-timeout), and the
// proxy's own SIGTERM (1001 context_cancelled, published before it exits).
'use strict';
const path = require('path');
const h = require('../../integration/lib/proxy_harness');

h.requirePrerequisites();
const puppeteer = require('puppeteer-core');

const dir = h.tmpDir('faultline-proxy-restart-');
const log = path.join(dir, 'chromium.log');
const CONFIRM_WAIT_MS = 5000;
const RESTART_GAP_MS = 1500;  // Chromium stays down this long before the new one starts
let chromePort, chrome, logProxy, upProxy, sigProxy;

// Resolves with Date.now() when the socket-level client sees its connection end.
function whenClosed(emitter, event) {
  return new Promise((resolve) => emitter.once(event, () => resolve(Date.now())));
}

const steps = [
  ['no Chromium yet: /json is 503 with a JSON error; a WebSocket fails after 5 s with upstream_error', async () => {
    const none = await h.startProxy(['--chromium-log', path.join(dir, 'not-yet.log')]);
    try {
      const r = await h.getJson(none.url + '/json/version');
      h.equal(r.status, 503, 'status');
      h.check(/no Chromium DevTools endpoint/.test(r.body.error), `error: ${JSON.stringify(r.body)}`);
      const t0 = Date.now();
      const ws = await h.rawRequest(none.port, h.upgradeRequest('/devtools/browser/x', none.port), 15000);
      h.equal(ws.status, 502, 'upgrade status');
      h.check(/upstream_error/.test(ws.body), ws.body);
      h.check(Date.now() - t0 >= 4500, `dialling was retried for 5 s (${Date.now() - t0} ms)`);
      const d = await none.waitEvent('cdp_disconnect (no upstream)', (e) => e.type === 'cdp_disconnect');
      h.equal(d.data.reason, 'upstream_error', 'reason');
      h.check(none.events().some((e) => e.type === 'cdp_connect' && e.data.connection_id === d.data.connection_id), 'with its cdp_connect');
    } finally {
      await none.stop();
    }
  }],

  ['start Chromium and proxies (--chromium-log and --upstream)', async () => {
    chromePort = await h.freePort();
    chrome = await h.startChromium({ port: chromePort, logFile: log });
    const common = ['--restart-confirm-wait', String(CONFIRM_WAIT_MS / 1000)];
    logProxy = await h.startProxy(['--chromium-log', log, ...common]);
    upProxy = await h.startProxy(['--upstream', `127.0.0.1:${chromePort}`, ...common]);
  }],

  ['Chromium restarts under connected clients: each library hears 1012 upstream_changed; the event says the same', async () => {
    const oldUrl = chrome.wsUrl;
    const known = new Set([...logProxy.events(), ...upProxy.events()].map((e) => e.data.connection_id));
    const opened = Date.now();
    const clients = { log: await h.connectClients(logProxy), up: await h.connectClients(upProxy) };
    await h.sleep(300);
    const killedAt = Date.now();
    await chrome.kill();
    await h.sleep(RESTART_GAP_MS);
    chrome = await h.startChromium({ port: chromePort, logFile: log });
    h.check(chrome.wsUrl !== oldUrl, 'the new browser has a new URL');
    const restartedAt = Date.now();
    for (const [name, c] of Object.entries(clients)) {
      // Held until the restart is known, so the Close frame can say so.
      const seen = await h.expectClosed(c, 1012, 'upstream_changed: Chromium restarted');
      for (const [lib, r] of Object.entries(seen))
        h.check(r.at - restartedAt < 5000, `${name}/${lib}: told soon after the restart (${r.at - restartedAt} ms)`);
    }
    for (const [proxy, name] of [[logProxy, 'log'], [upProxy, 'upstream']]) {
      const connects = await h.waitFor(`${name}: the four cdp_connects`, () => {
        const c = proxy.events().filter((e) => e.type === 'cdp_connect' && !known.has(e.data.connection_id));
        return c.length >= 4 && c;
      });
      h.check(connects.some((c) => c.data.target === 'page'), `${name}: CRI's page socket is among them`);
      for (const c of connects) {
        const d = await proxy.waitEvent(`cdp_disconnect (${name})`, h.disconnectOf(c.data.connection_id), 15000);
        h.equal(d.data.reason, 'upstream_changed', `${name}: reason`);
        h.equal(d.data.close_code, 1012, `${name}: the close code sent`);
        // Measured to the disconnect: never stretched to the restart.
        h.check(d.data.duration_ms < killedAt - opened + 1000,
          `${name}: duration_ms ${d.data.duration_ms} (kill after ${killedAt - opened} ms)`);
        h.check(Date.parse(d.ts) < restartedAt - RESTART_GAP_MS / 2, `${name}: ts ${d.ts} pinned at the disconnect`);
        h.check(d.data.messages_from_client >= 1 && d.data.messages_from_upstream >= 1, `${name}: messages counted`);
      }
    }
    // Both proxies follow the new browser: a fresh client works at once.
    for (const proxy of [logProxy, upProxy]) {
      await h.waitFor('the proxy to know the new URL', async () =>
        (await h.getJson(proxy.url + '/json/version')).body.webSocketDebuggerUrl.endsWith(chrome.wsUrl.split('/').pop()));
      const b = await puppeteer.connect({ browserURL: proxy.url });
      h.check((await b.version()).length > 0, 'a new client works after the restart');
      await b.disconnect();
    }
  }],

  ['a page socket whose target another client closed gets a Close frame saying so (target_closed)', async () => {
    const created = await h.httpRequest(upProxy.port, 'PUT', '/json/new?about:blank');
    h.equal(created.status, 200, 'PUT /json/new');
    const page = await h.openSocket(created.json.webSocketDebuggerUrl);
    await h.command(page, 'Runtime.evaluate', { expression: '1' });
    const closed = new Promise((resolve) => page.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    const other = await h.openSocket(`ws://127.0.0.1:${upProxy.port}/devtools/browser/x`);
    await h.command(other, 'Target.closeTarget', { targetId: created.json.id });
    const { code, reason } = await closed;
    h.equal(code, 1001, 'close code');
    h.check(reason.startsWith('target_closed: ') && reason.includes('target_closed'), `reason ${JSON.stringify(reason)}`);
    other.close();
    const c = await upProxy.waitEvent('cdp_connect (closed page)', (e) => e.type === 'cdp_connect' && e.data.path === `/devtools/page/${created.json.id}`);
    const d = await upProxy.waitEvent('cdp_disconnect (closed page)', h.disconnectOf(c.data.connection_id));
    h.equal(d.data.reason, 'target_closed', 'the event says the same');
    h.equal(d.data.close_code, 1001, 'event close_code');
  }],

  ['a new browser appears while the old one lives: stale connections are closed at once', async () => {
    const known = new Set(logProxy.events().map((e) => e.data.connection_id));
    const ws = await h.openSocket(`ws://127.0.0.1:${logProxy.port}/devtools/browser/any`);
    await h.command(ws, 'Browser.getVersion');
    const closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString(), at: Date.now() })));
    const second = await h.startChromium({ port: await h.freePort(), logFile: log });
    const seenAt = Date.now();
    const { code, reason, at } = await closed;
    h.check(at - seenAt < 2000, `closed at once (${at - seenAt} ms after the new URL)`);
    h.equal(code, 1012, 'Close frame "service restart"');
    h.equal(reason, 'upstream_changed: Chromium restarted', 'close reason');
    const c = await logProxy.waitEvent('cdp_connect (stale)', (e) => e.type === 'cdp_connect' && !known.has(e.data.connection_id));
    h.equal(c.data.upstream_url, chrome.wsUrl, 'it was dialled to the old browser');
    const d = await logProxy.waitEvent('cdp_disconnect (stale)', h.disconnectOf(c.data.connection_id));
    h.equal(d.data.reason, 'upstream_changed', 'reason');
    // The old browser becomes the newest again (restart on its port), the second one goes.
    await second.kill();
    await chrome.kill();
    chrome = await h.startChromium({ port: chromePort, logFile: log });
  }],

  ['a client dialling while Chromium is down is connected once the new browser is up', async () => {
    // The previous step restarted Chromium: wait until the proxy has found it again.
    const heldUrl = await h.waitFor('the proxy to see the restarted browser', async () =>
      (await h.getJson(logProxy.url + '/json/version')).body.webSocketDebuggerUrl);
    await chrome.kill();
    const t0 = Date.now();
    const pending = h.openSocket(heldUrl);  // the old browser id: the proxy dials the current one
    await h.sleep(RESTART_GAP_MS);
    chrome = await h.startChromium({ port: chromePort, logFile: log });
    const ws = await pending;
    h.check(Date.now() - t0 >= RESTART_GAP_MS, 'it waited for the new browser');
    const v = await h.command(ws, 'Browser.getVersion');
    h.check(v.product.length > 0, 'commands reach the new browser');
    const closed = whenClosed(ws, 'close');
    ws.close();
    await closed;
    const c = await logProxy.waitEvent('cdp_connect (held dial)', (e) => e.type === 'cdp_connect' && e.data.upstream_url === chrome.wsUrl);
    const d = await logProxy.waitEvent('cdp_disconnect (held dial)', h.disconnectOf(c.data.connection_id));
    h.equal(d.data.reason, 'client_close', 'reason');
    h.equal(d.data.close_code, 1000, 'close code');
  }],

  ['Chromium killed for good: each library hears 1011 upstream_error after the confirm wait; ts pinned at the disconnect', async () => {
    const before = logProxy.events().length;
    const clients = await h.connectClients(logProxy);
    const killedAt = Date.now();
    await chrome.kill();
    chrome = null;
    const seen = await h.expectClosed(clients, 1011, 'upstream_error: ', CONFIRM_WAIT_MS + 10000);
    for (const [lib, r] of Object.entries(seen))
      h.check(r.at - killedAt >= CONFIRM_WAIT_MS - 500, `${lib}: told after the confirm wait (${r.at - killedAt} ms)`);
    h.check(/no new Chromium appeared within 5 s/.test((await clients.ws).reason), (await clients.ws).reason);
    const ds = await h.waitFor('four cdp_disconnects', () => {
      const d = logProxy.events().slice(before).filter((e) => e.type === 'cdp_disconnect');
      return d.length >= 4 && d;
    }, CONFIRM_WAIT_MS + 10000);
    for (const d of ds) {
      h.equal(d.data.reason, 'upstream_error', 'reason');
      h.equal(d.data.close_code, 1011, 'close code');
      h.check(Math.abs(Date.parse(d.ts) - killedAt) < 1500, `ts ${d.ts} is the disconnect time`);
    }
  }],

  ['a client that stops reading is cut off after --slow-client-timeout', async () => {
    chrome = await h.startChromium({ port: chromePort, logFile: log });
    const slowProxy = await h.startProxy(['--upstream', `127.0.0.1:${chromePort}`, '--slow-client-timeout', '1']);
    try {
      const ws = await h.openSocket(`ws://127.0.0.1:${slowProxy.port}/devtools/browser/x`);
      const target = await h.command(ws, 'Target.createTarget', { url: 'about:blank' });
      const { sessionId } = await h.command(ws, 'Target.attachToTarget', { targetId: target.targetId, flatten: true });
      ws._socket.pause();  // stop reading; ask for far more than the socket buffers hold
      const big = "'x'.repeat(8 * 1024 * 1024)";
      for (let i = 0; i < 8; i++)
        ws.send(JSON.stringify({ id: 100 + i, method: 'Runtime.evaluate', params: { expression: big, returnByValue: true }, sessionId }));
      const c = await slowProxy.waitEvent('cdp_connect (slow)', (e) => e.type === 'cdp_connect');
      const d = await slowProxy.waitEvent('cdp_disconnect (slow)', h.disconnectOf(c.data.connection_id), 20000);
      h.equal(d.data.reason, 'client_close', 'a client that stopped reading ended its own connection');
      h.check(/stopped reading/.test(slowProxy.stderr()), 'the log says why');
      ws.terminate();
    } finally {
      await slowProxy.stop();
    }
  }],

  ['SIGTERM to the proxy: each library hears 1001 context_cancelled; published before it exits', async () => {
    sigProxy = await h.startProxy(['--upstream', `127.0.0.1:${chromePort}`]);
    const clients = await h.connectClients(sigProxy);
    const connects = await h.waitFor('four cdp_connects', () => {
      const c = sigProxy.events().filter((e) => e.type === 'cdp_connect');
      return c.length >= 4 && c;
    });
    const proxy = sigProxy;
    sigProxy = null;
    const t0 = Date.now();
    const exit = await proxy.stop('SIGTERM');
    h.equal(exit.code, 0, 'exit code');
    h.check(Date.now() - t0 < 5000, `the close handshake is bounded (${Date.now() - t0} ms)`);
    await h.expectClosed(clients, 1001, 'context_cancelled');
    for (const c of connects) {
      const d = proxy.events().find(h.disconnectOf(c.data.connection_id));
      h.check(d, 'cdp_disconnect was published before the proxy exited');
      h.equal(d.data.reason, 'context_cancelled', 'reason');
      h.equal(d.data.close_code, 1001, 'close code');
    }
  }],
];

h.run(steps, async () => {
  let error;
  for (const p of [logProxy, upProxy, sigProxy]) if (p) await p.stop().catch((e) => { error = error || e; });
  if (chrome) await chrome.kill();
  if (error) throw error;
});
