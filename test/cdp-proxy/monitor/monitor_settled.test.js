// page_navigation_settled when a hung subresource keeps load from ever firing, with real
// Chromium and the real cdp-proxy: a page whose one image is never answered still settles
// (10 s after DOMContentLoaded, once only that request is left and the layout is quiet), and
// the event tells the truth: DOMContentLoaded yes, load no, layout settled no, network idle no,
// one request ignored, reason load_timeout.
'use strict';
const path = require('path');
const h = require('../../integration/lib/proxy_harness');
const m = require('../../integration/lib/monitor_harness');
const { startRobustSite } = require('../../integration/lib/robust_site');

h.requirePrerequisites();

async function main() {
  const dir = h.tmpDir('faultline-monitor-settled-');
  const chromePort = await h.freePort();
  const chrome = await h.startChromium({ port: chromePort, logFile: path.join(dir, 'chromium.log') });
  const site = await startRobustSite();
  const proxy = await m.startProxyWithHub(['--upstream', `127.0.0.1:${chromePort}`]);
  let ws;
  await h.run([
    ['capture of page and network', async () => {
      await h.waitFor('monitor attached', () => /monitor: attached to ws:/.test(proxy.stderr()), 15000);
      const r = await m.telemetry(proxy.hub, 'PUT', m.browserConfig('page', 'network'));
      h.equal(r.status, 201, 'capture started');
    }],
    ['a page whose one subresource never answers settles, and says load never came', async () => {
      ws = await m.browserSocket(proxy.url);
      const url = `${site.url}/hung`;
      const { targetId } = await h.command(ws, 'Target.createTarget', { url: 'about:blank' });
      // Navigate once the monitor has attached, so it sees the navigation and every request.
      await proxy.waitEvent('page_tab_opened', (e) => e.type === 'page_tab_opened' && e.data.target_id === targetId, 15000);
      await h.sleep(300);
      const { sessionId } = await h.command(ws, 'Target.attachToTarget', { targetId, flatten: true });
      await h.command(ws, 'Page.navigate', { url }, sessionId);
      const dcl = await proxy.waitEvent('page_dom_content_loaded', (e) => e.type === 'page_dom_content_loaded' && e.data.target_id === targetId && e.data.url === url, 15000);
      const settled = await proxy.waitEvent('page_navigation_settled', (e) => e.type === 'page_navigation_settled' && e.data.target_id === targetId && e.data.nav_seq === dcl.data.nav_seq, 30000);
      const d = settled.data;
      h.equal(d.url, url, 'url');
      h.equal(d.dom_content_loaded, true, 'dom_content_loaded');
      h.equal(d.load, false, 'load');
      h.equal(d.layout_settled, false, 'layout_settled');
      h.equal(d.network_idle, false, 'network_idle');
      h.equal(d.requests_ignored, 1, 'requests_ignored');
      h.equal(d.reason, 'load_timeout', 'reason');
      const after = Date.parse(settled.ts) - Date.parse(dcl.ts);
      h.check(after >= 9900 && after < 16000, `settled ${after} ms after DOMContentLoaded`);
      h.check(!proxy.events().some((e) => e.type === 'page_load' && e.data.target_id === targetId), 'no page_load');
      h.check(!proxy.events().some((e) => e.type === 'page_layout_settled' && e.data.target_id === targetId), 'no page_layout_settled');
      const req = proxy.events().find((e) => e.type === 'network_request' && e.data.url === `${site.url}/never`);
      h.check(req, 'the hung request was seen');
      console.log(`# settled ${after} ms after DOMContentLoaded`);
    }],
  ], async () => {
    if (ws) ws.close();
    await proxy.stop();
    await site.close();
    await chrome.kill();
  });
}

main();
