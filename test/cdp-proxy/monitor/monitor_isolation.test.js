// Proxied clients never see the monitor's commands or sessions, with real Chromium and the real
// cdp-proxy under a capture of every category (the monitor auto-attaches to every target with
// flattened sessions of its own and sends its commands on them): a browser-level client and a
// page-level client through the proxy record every message they get; none carries a sessionId
// the client did not get itself, and none answers an id the client did not send.
'use strict';
const path = require('path');
const h = require('../../integration/lib/proxy_harness');
const m = require('../../integration/lib/monitor_harness');

h.requirePrerequisites();

// A raw socket that remembers every message it receives and every id it sends.
function recording(ws) {
  const seen = [];
  ws.on('message', (raw) => seen.push(JSON.parse(raw)));
  return seen;
}

function checkOnly(seen, ownSessions, sentIds, who) {
  for (const msg of seen) {
    if (msg.sessionId !== undefined)
      h.check(ownSessions.has(msg.sessionId), `${who} got a message of a session it does not own: ${JSON.stringify(msg).slice(0, 200)}`);
    if (msg.id !== undefined)
      h.check(sentIds.has(msg.id), `${who} got a reply to an id it never sent: ${JSON.stringify(msg).slice(0, 200)}`);
    const sid = msg.params && msg.params.sessionId;
    if (msg.method === 'Target.attachedToTarget')
      h.check(ownSessions.has(sid), `${who} was told of a session it did not attach: ${sid}`);
  }
}

async function main() {
  const dir = h.tmpDir('faultline-monitor-isolation-');
  const chromePort = await h.freePort();
  const chrome = await h.startChromium({ port: chromePort, logFile: path.join(dir, 'chromium.log') });
  const site = await m.startSite();
  const proxy = await m.startProxyWithHub(['--upstream', `127.0.0.1:${chromePort}`]);
  const sockets = [];
  await h.run([
    ['capture of every category', async () => {
      await h.waitFor('monitor attached', () => /monitor: attached to ws:/.test(proxy.stderr()), 15000);
      const r = await m.telemetry(proxy.hub, 'PUT', m.browserConfig(...m.BROWSER_CONTENT));
      h.equal(r.status, 201, 'capture started');
    }],
    ['clients through the proxy see only their own sessions and replies', async () => {
      const browser = await m.browserSocket(proxy.url);
      sockets.push(browser);
      const bSeen = recording(browser);
      const bSent = new Set();
      const bSessions = new Set();
      const cmd = async (method, params, sessionId) => {
        const r = h.command(browser, method, params, sessionId);
        bSent.add(browser._nextId);
        return r;
      };
      await cmd('Target.setDiscoverTargets', { discover: true });
      const { targetId } = await cmd('Target.createTarget', { url: 'about:blank' });
      const { sessionId } = await cmd('Target.attachToTarget', { targetId, flatten: true });
      bSessions.add(sessionId);
      await cmd('Page.enable', {}, sessionId);
      await cmd('Runtime.enable', {}, sessionId);
      await cmd('Network.enable', {}, sessionId);
      // A page-level client on the same target.
      const page = await h.openSocket(`ws://127.0.0.1:${proxy.port}/devtools/page/${targetId}`);
      sockets.push(page);
      const pSeen = recording(page);
      const pSent = new Set();
      const pcmd = async (method, params) => {
        const r = h.command(page, method, params);
        pSent.add(page._nextId);
        return r;
      };
      await pcmd('Runtime.enable', {});
      await pcmd('Page.enable', {});
      await cmd('Page.navigate', { url: `${site.url}/` }, sessionId);
      // The monitor saw the same navigation (so it was attached and busy meanwhile).
      await proxy.waitEvent('the monitor\'s page_load', (e) => e.type === 'page_load' && e.data.target_id === targetId && e.data.url === `${site.url}/`, 20000);
      await proxy.waitEvent('the monitor\'s console events', (e) => e.type === 'console_log' && e.data.target_id === targetId, 10000);
      await h.sleep(1500);  // the late layout shift, the exception and the screenshot
      await pcmd('Runtime.evaluate', { expression: '1 + 1' });
      h.check(bSeen.length > 20 && pSeen.length > 10, `clients got traffic (${bSeen.length}, ${pSeen.length})`);
      checkOnly(bSeen, bSessions, bSent, 'the browser-level client');
      checkOnly(pSeen, new Set(), pSent, 'the page-level client');
      h.check(bSeen.some((x) => x.sessionId === sessionId && x.method === 'Page.loadEventFired'), 'the client got its own session\'s events');
      h.check(proxy.events().some((e) => e.type === 'network_request' && e.data.target_id === targetId), 'the monitor captured the page');
    }],
  ], async () => {
    for (const s of sockets) s.close();
    await proxy.stop();
    await site.close();
    await chrome.kill();
  });
}

main();
