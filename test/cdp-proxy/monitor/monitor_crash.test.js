// Page crashes and Chromium restarts under the CDP monitor, with real Chromium and the real
// cdp-proxy: a renderer killed with SIGKILL gives page_crashed (always on, no capture needed)
// with the right target_id and url; Chromium restarted gives monitor_disconnected, then
// monitor_reconnected, then events again.
'use strict';
const path = require('path');
const h = require('../../integration/lib/proxy_harness');
const m = require('../../integration/lib/monitor_harness');

h.requirePrerequisites();
const { chromium } = require('playwright-core');

async function main() {
  const dir = h.tmpDir('faultline-monitor-crash-');
  const chromePort = await h.freePort();
  const logFile = path.join(dir, 'chromium.log');
  let chrome = await h.startChromium({ port: chromePort, logFile });
  const site = await m.startSite();
  const proxy = await m.startProxyWithHub(['--upstream', `127.0.0.1:${chromePort}`, '--crash-oom-wait', '0.5']);
  let ws;
  let browser;
  await h.run([
    ['the monitor attaches', async () => {
      await h.waitFor('monitor attached', () => /monitor: attached to ws:/.test(proxy.stderr()), 15000);
    }],
    ['a renderer killed with SIGKILL gives page_crashed, outside any capture', async () => {
      ws = await m.browserSocket(proxy.url);
      const url = `${site.url}/quiet`;
      const { targetId } = await h.command(ws, 'Target.createTarget', { url });
      await h.sleep(800);  // loaded: the target's url is the page's
      // The page may have taken over Chromium's spare renderer: kill every renderer.
      const pids = await m.rendererPids(ws);
      for (const pid of pids) process.kill(pid, 'SIGKILL');
      const e = await proxy.waitEvent('page_crashed', (x) => x.type === 'page_crashed' && x.data.target_id === targetId);
      h.equal(e.category, 'system', 'category');
      h.equal(e.capture_session_id, null, 'no capture session');
      h.equal(e.data.url, url, 'url');
      h.equal(e.data.title, 'quiet', 'title');
      h.equal(e.data.status, 'killed', 'status');
      h.equal(e.data.error_code, 9, 'error_code');
      if (e.data.renderer_pid !== undefined) h.check(pids.includes(e.data.renderer_pid), 'renderer_pid');
      h.check(/crashed/.test(e.data.message), 'message');
      h.check(!('oom_kill_seq' in e.data), 'no OOM kill to link');
      ws.close();
    }],
    ['Chromium restarted: monitor_disconnected, monitor_reconnected, then events again', async () => {
      const r = await m.telemetry(proxy.hub, 'PUT', m.browserConfig('page'));
      h.equal(r.status, 201, 'capture started');
      await chrome.kill('SIGKILL');
      const down = await proxy.waitEvent('monitor_disconnected', (e) => e.type === 'monitor_disconnected');
      h.check(['connection_lost', 'chrome_restarted'].includes(down.data.reason), 'reason');
      chrome = await h.startChromium({ port: chromePort, logFile });
      const up = await proxy.waitEvent('monitor_reconnected', (e) => e.type === 'monitor_reconnected', 30000);
      h.check(up.seq > down.seq, 'reconnected after disconnected');
      h.check(up.data.reconnect_duration_ms > 0, 'reconnect time');
      h.equal(up.data.upstream_url, chrome.wsUrl, 'the new browser endpoint');
      browser = await chromium.connectOverCDP(proxy.url);
      const page = await browser.contexts()[0].newPage();
      await page.goto(`${site.url}/quiet`, { waitUntil: 'load' });
      await proxy.waitEvent('page_load after the restart', (e) => e.type === 'page_load' && e.seq > up.seq && e.data.url === `${site.url}/quiet`);
    }],
  ], async () => {
    if (browser) await browser.close().catch(() => {});
    await proxy.stop();
    await site.close();
    await chrome.kill();
  });
}

main();
