// Page crashes and Chromium outages under the CDP monitor, with real Chromium and the real
// cdp-proxy:
//  - the renderer of a page killed with SIGKILL gives page_crashed (always on, no capture) with
//    the right target_id, url and renderer_pid (the pid this test killed, told from Chromium's
//    spare renderer by the memory it grew by), stamped when Chromium reported it, not after the hold;
//  - Chromium stopped (SIGSTOP) longer than the reconnect budget: monitor_disconnected
//    (unresponsive), monitor_reconnect_failed, and after SIGCONT (the same URL) monitor_reconnected
//    and page crashes detected again;
//  - Chromium restarted: monitor_disconnected, then monitor_reconnected, then events again.
'use strict';
const path = require('path');
const h = require('../../integration/lib/proxy_harness');
const m = require('../../integration/lib/monitor_harness');
const { startRobustSite, rssKb } = require('../../integration/lib/robust_site');

h.requirePrerequisites();
const { chromium } = require('playwright-core');

const HOLD_MS = 2000;

// Opens /big in a new target and kills its renderer; returns what the test knows.
async function killBigPage(proxy, site) {
  const ws = await m.browserSocket(proxy.url);
  try {
    const url = `${site.url}/big`;
    const before = new Map((await m.rendererPids(ws)).map((p) => [p, rssKb(p)]));
    const { targetId } = await h.command(ws, 'Target.createTarget', { url });
    let pid;
    await h.waitFor('the page\'s renderer to grow by its 96 MiB', async () => {
      const grown = (await m.rendererPids(ws)).filter((p) => rssKb(p) - (before.get(p) || 0) > 80 * 1024);
      pid = grown[0];
      return grown.length === 1;
    }, 15000, 100);
    await h.sleep(300);  // its title and url are known to discovery
    const killedAt = Date.now();
    process.kill(pid, 'SIGKILL');
    return { targetId, url, pid, killedAt };
  } finally {
    ws.close();
  }
}

// page_crashed of targetId, with the time it arrived here.
async function crashOf(proxy, targetId, timeoutMs = 15000) {
  const e = await proxy.waitEvent('page_crashed', (x) => x.type === 'page_crashed' && x.data.target_id === targetId, timeoutMs);
  return { e, arrivedAt: Date.now() };
}

async function main() {
  const dir = h.tmpDir('faultline-monitor-crash-');
  const chromePort = await h.freePort();
  const logFile = path.join(dir, 'chromium.log');
  let chrome = await h.startChromium({ port: chromePort, logFile });
  const site = await startRobustSite();
  const proxy = await m.startProxyWithHub(['--upstream', `127.0.0.1:${chromePort}`,
    '--crash-oom-wait', String(HOLD_MS / 1000), '--monitor-reconnect-attempts', '2']);
  let browser;
  let stopped = false;
  await h.run([
    ['the monitor attaches', async () => {
      await h.waitFor('monitor attached', () => /monitor: attached to ws:/.test(proxy.stderr()), 15000);
    }],
    ['a renderer killed with SIGKILL gives page_crashed with its pid, outside any capture', async () => {
      const k = await killBigPage(proxy, site);
      const { e, arrivedAt } = await crashOf(proxy, k.targetId);
      h.equal(e.category, 'system', 'category');
      h.equal(e.capture_session_id, null, 'no capture session');
      h.equal(e.data.url, k.url, 'url');
      h.equal(e.data.title, 'big', 'title');
      h.equal(e.data.status, 'killed', 'status');
      h.equal(e.data.error_code, 9, 'error_code');
      h.equal(e.data.renderer_pid, k.pid, 'renderer_pid is the pid this test killed');
      h.check(/crashed/.test(e.data.message), 'message');
      h.check(!('oom_kill_seq' in e.data), 'no OOM kill to link');
      // ts is when Chromium reported the crash; the event was published a hold later.
      const ts = Date.parse(e.ts);
      h.check(ts >= k.killedAt - 50 && ts - k.killedAt < 1000, `ts ${e.ts} right after the kill at ${new Date(k.killedAt).toISOString()}`);
      h.check(arrivedAt - ts >= HOLD_MS - 100, `published ${arrivedAt - ts} ms after ts (hold ${HOLD_MS} ms)`);
      console.log(`# renderer ${k.pid}: ts ${ts - k.killedAt} ms after the kill, published ${arrivedAt - ts} ms after ts`);
    }],
    ['Chromium stopped longer than the reconnect budget: failed, then reconnected at the same URL', async () => {
      // monitor_* events are recorded under a capture.
      const r = await m.telemetry(proxy.hub, 'PUT', m.browserConfig('page'));
      h.equal(r.status, 201, 'capture started');
      const before = proxy.events().length;
      chrome.signal('SIGSTOP');
      stopped = true;
      const down = await proxy.waitEvent('monitor_disconnected', (e) => e.type === 'monitor_disconnected' && proxy.events().indexOf(e) >= before, 30000);
      h.equal(down.data.reason, 'unresponsive', 'reason');
      const failed = await proxy.waitEvent('monitor_reconnect_failed', (e) => e.type === 'monitor_reconnect_failed' && e.seq > down.seq, 30000);
      h.equal(failed.data.reason, 'reconnect_exhausted', 'reason');
      h.equal(failed.data.attempts, 2, 'the budget');
      await h.sleep(1000);
      chrome.signal('SIGCONT');
      stopped = false;
      const up = await proxy.waitEvent('monitor_reconnected', (e) => e.type === 'monitor_reconnected' && e.seq > failed.seq, 40000);
      h.equal(up.data.upstream_url, chrome.wsUrl, 'the same browser endpoint');
      h.check(up.data.reconnect_duration_ms > 10000, 'reconnect time covers the outage');
      const retryLogs = proxy.stderr().match(/gave up reconnecting/g) || [];
      h.equal(retryLogs.length, 1, 'one log line for the retrying, not one per attempt');
      h.equal(proxy.events().filter((e) => e.type === 'monitor_reconnect_failed').length, 1, 'one monitor_reconnect_failed');
      const k = await killBigPage(proxy, site);
      const { e } = await crashOf(proxy, k.targetId);
      h.check(e.seq > up.seq, 'crash detection is on again');
      h.equal(e.data.renderer_pid, k.pid, 'renderer_pid');
    }],
    ['Chromium restarted: monitor_disconnected, monitor_reconnected, then events again', async () => {
      const mark = proxy.events().length;
      await chrome.kill('SIGKILL');
      const down = await proxy.waitEvent('monitor_disconnected', (e) => e.type === 'monitor_disconnected' && proxy.events().indexOf(e) >= mark);
      h.check(['connection_lost', 'chrome_restarted'].includes(down.data.reason), 'reason');
      chrome = await h.startChromium({ port: chromePort, logFile });
      const up = await proxy.waitEvent('monitor_reconnected', (e) => e.type === 'monitor_reconnected' && e.seq > down.seq, 30000);
      h.check(up.data.reconnect_duration_ms > 0, 'reconnect time');
      h.equal(up.data.upstream_url, chrome.wsUrl, 'the new browser endpoint');
      browser = await chromium.connectOverCDP(proxy.url);
      const page = await browser.contexts()[0].newPage();
      await page.goto(`${site.url}/big`, { waitUntil: 'load' });
      await proxy.waitEvent('page_load after the restart', (e) => e.type === 'page_load' && e.seq > up.seq && e.data.url === `${site.url}/big`);
    }],
  ], async () => {
    if (stopped) chrome.signal('SIGCONT');
    if (browser) await browser.close().catch(() => {});
    await proxy.stop();
    await site.close();
    await chrome.kill();
  });
}

main();
