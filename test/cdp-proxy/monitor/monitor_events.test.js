// The CDP monitor end to end: real Chromium, the real cdp-proxy (hub + monitor), Playwright
// through the proxy, a local site. Every browser-content event type arrives with the right
// fields and navigation context; none arrives outside a capture; the password typed into the
// page never appears in the stream; GET/PUT/PATCH /telemetry behave as documented.
'use strict';
const path = require('path');
const h = require('../../integration/lib/proxy_harness');
const m = require('../../integration/lib/monitor_harness');

h.requirePrerequisites();
const { chromium } = require('playwright-core');

const CONTEXT_FIELDS = ['target_id', 'frame_id', 'loader_id', 'url', 'nav_seq'];

async function main() {
  const dir = h.tmpDir('faultline-monitor-');
  const chromePort = await h.freePort();
  const chrome = await h.startChromium({ port: chromePort, logFile: path.join(dir, 'chromium.log') });
  const site = await m.startSite();
  const proxy = await m.startProxyWithHub(['--upstream', `127.0.0.1:${chromePort}`]);
  let browser;
  let page;
  let targetId;
  let captureStart = 0;
  const ofType = (t, after = captureStart) => proxy.events().filter((e) => e.type === t && e.seq > after);
  let since = 0;
  const waitType = (t, pred = () => true, ms = 15000) =>
    proxy.waitEvent(t, (e) => e.type === t && e.seq > Math.max(captureStart, since) && pred(e), ms);
  const mine = (e) => e.data.target_id === targetId;

  await h.run([
    ['the monitor attaches to the browser endpoint', async () => {
      await h.waitFor('monitor attached', () => /monitor: attached to ws:/.test(proxy.stderr()), 15000);
    }],
    ['outside a capture no browser-content event is recorded', async () => {
      const r = await m.telemetry(proxy.hub, 'GET');
      h.equal(r.status, 404, 'GET /telemetry without a session');
      browser = await chromium.connectOverCDP(proxy.url);
      page = await browser.contexts()[0].newPage();
      await page.goto(`${site.url}/`, { waitUntil: 'load' });
      await h.sleep(1500);
      const leaked = proxy.events().filter((e) => m.BROWSER_CONTENT.has(e.category) || e.category === 'monitor');
      h.equal(leaked.length, 0, `browser-content events outside a capture: ${leaked.map((e) => e.type)}`);
    }],
    ['PUT /telemetry starts a session (201), PATCH changes it (200), GET shows it', async () => {
      let r = await m.telemetry(proxy.hub, 'PUT', m.browserConfig('console', 'network'));
      h.equal(r.status, 201, 'PUT status');
      h.check(r.body.config.browser.console.enabled && !r.body.config.browser.page.enabled, 'PUT is opt-in');
      h.check(r.body.config.browser.system.enabled, 'system is always on');
      const started = await proxy.waitEvent('capture_session_started', (e) => e.type === 'capture_session_started');
      captureStart = started.seq;
      h.check(r.body.seq >= started.seq, 'seq in the state');
      r = await m.telemetry(proxy.hub, 'PATCH', { browser: { page: { enabled: true }, interaction: { enabled: true }, screenshot: { enabled: true }, future_category: { enabled: true } } });
      h.equal(r.status, 200, 'PATCH status');
      for (const c of ['console', 'network', 'page', 'interaction', 'screenshot'])
        h.check(r.body.config.browser[c].enabled, `${c} enabled after PATCH`);
      r = await m.telemetry(proxy.hub, 'PUT', m.browserConfig('console', 'network', 'page', 'interaction', 'screenshot'));
      h.equal(r.status, 200, 'PUT on an active session');
      r = await m.telemetry(proxy.hub, 'GET');
      h.equal(r.status, 200, 'GET status');
      h.equal(r.body.capture_session_id, started.data.capture_session_id, 'same session');
      r = await m.telemetry(proxy.hub, 'PATCH', 'not json');
      h.equal(r.status, 400, 'PATCH with a bad body');
    }],
    ['a page load produces console, network and page events with navigation context', async () => {
      const cdp = await page.context().newCDPSession(page);
      targetId = (await cdp.send('Target.getTargetInfo')).targetInfo.targetId;
      await h.sleep(300);  // the monitor enables its domains on the attached session
      await page.goto(`${site.url}/`, { waitUntil: 'load' });
      const nav = await waitType('page_navigation', (e) => mine(e) && e.data.top_level);
      h.equal(nav.data.url, `${site.url}/`, 'navigation url');
      const navSeq = nav.data.nav_seq;
      h.equal(navSeq, 2, 'nav_seq: the document shown at attach was 1');
      const attachedDoc = proxy.events().find((e) => e.seq > captureStart && e.seq < nav.seq && mine(e) && e.type === 'console_log');
      h.check(attachedDoc && attachedDoc.data.nav_seq === 1 && attachedDoc.data.loader_id,
        'messages Chromium replays at attach carry the context of the document shown then');
      since = nav.seq;
      for (const t of ['page_dom_content_loaded', 'page_load']) {
        const e = await waitType(t, mine);
        for (const f of CONTEXT_FIELDS) h.check(f in e.data, `${t} has ${f}`);
        h.equal(e.data.nav_seq, navSeq, `${t} nav_seq`);
        h.equal(e.data.loader_id, nav.data.loader_id, `${t} loader_id`);
        h.check(typeof e.data.cdp_timestamp === 'number', `${t} cdp_timestamp`);
      }
      const log = await waitType('console_log', (e) => mine(e) && e.data.text === 'hello from the page');
      h.equal(log.data.level, 'log', 'console_log level');
      h.equal(log.data.args[1], '42', 'number argument');
      h.equal(log.data.nav_seq, navSeq, 'console nav_seq');
      h.equal(log.data.nav_seq, navSeq, 'console nav_seq');
      await waitType('console_log', (e) => mine(e) && e.data.level === 'warning');
      const err = await waitType('console_error', (e) => mine(e) && e.data.level === 'error');
      h.equal(err.data.text, 'something went wrong', 'console.error text');
      const ex = await waitType('console_error', (e) => mine(e) && e.data.level === 'exception');
      h.check(/boom from a timer/.test(ex.data.text), `exception text: ${ex.data.text}`);
      h.check(ex.data.source_url.startsWith(site.url), 'exception source_url');
      const req = await waitType('network_request', (e) => mine(e) && e.data.url === `${site.url}/data.json`);
      h.equal(req.data.method, 'GET', 'request method');
      h.check(req.data.headers && typeof req.data.headers === 'object', 'request headers');
      const res = await waitType('network_response', (e) => mine(e) && e.data.url === `${site.url}/data.json`);
      h.equal(res.data.status, 200, 'response status');
      h.equal(res.data.mime_type, 'application/json', 'mime type');
      h.equal(JSON.parse(res.data.body).text, 'ünïcödé', 'JSON body captured');
      h.check(res.data.timing && typeof res.data.timing.wait_ms === 'number', 'timing');
      h.check(res.data.duration_ms >= 0, 'duration_ms');
      h.equal(res.data.nav_seq, navSeq, 'response nav_seq');
      const doc = await waitType('network_response', (e) => mine(e) && e.data.url === `${site.url}/`);
      h.equal(doc.data.nav_seq, navSeq, 'the document request belongs to its navigation');
      h.check(doc.data.body.includes('Largest contentful paint'), 'HTML body captured');
      const failed = await waitType('network_loading_failed', (e) => mine(e) && /unreachable/.test(e.data.url));
      h.check(/ERR_/.test(failed.data.error_text), `error_text ${failed.data.error_text}`);
      const shift = await waitType('page_layout_shift', mine);
      h.check(shift.data.value > 0, 'layout shift value');
      const lcp = await waitType('page_lcp', mine);
      h.check(lcp.data.size > 0, 'lcp size');
      await waitType('network_idle', (e) => mine(e) && e.data.nav_seq === navSeq);
      await waitType('page_layout_settled', (e) => mine(e) && e.data.nav_seq === navSeq);
      const settled = await waitType('page_navigation_settled', (e) => mine(e) && e.data.nav_seq === navSeq);
      h.check(settled.data.dom_content_loaded && settled.data.layout_settled && settled.data.network_idle,
        `settled conditions ${JSON.stringify(settled.data)}`);
      // Rate-limited (2 s): the first one may be of the document shown at attach.
      const shot = await proxy.waitEvent('screenshot', (e) => e.type === 'monitor_screenshot' && e.seq > captureStart && mine(e));
      h.check(Buffer.from(shot.data.png, 'base64').subarray(1, 4).toString() === 'PNG', 'a PNG');
      h.check(['Page.loadEventFired', 'Runtime.exceptionThrown'].includes(shot.data.trigger), 'trigger');
      for (const e of proxy.events().filter((x) => x.seq > captureStart && m.BROWSER_CONTENT.has(x.category)))
        h.equal(e.capture_session_id !== null, true, `${e.type} carries the capture_session_id`);
    }],
    ['clicks, keys and scrolls arrive; the password never does', async () => {
      since = 0;
      await page.click('#btn');
      const click = await waitType('interaction_click', (e) => mine(e) && e.data.selector === '#btn');
      h.equal(click.data.tag, 'BUTTON', 'click tag');
      h.equal(click.data.text, 'Press me', 'click text');
      await page.click('#name');
      await page.keyboard.type('ab', { delay: 80 });
      const key = await waitType('interaction_key', (e) => mine(e) && e.data.selector === '#name');
      h.equal(key.data.tag, 'INPUT', 'key tag');
      await page.click('#pw');
      await page.keyboard.type(m.SECRET, { delay: 60 });
      await page.mouse.wheel(0, 800);
      const scroll = await waitType('interaction_scroll_settled', mine);
      h.check(scroll.data.to_y > scroll.data.from_y, 'scrolled down');
      await h.sleep(500);
      const all = JSON.stringify(proxy.events());
      h.check(!all.includes(m.SECRET), 'the password text is not in the stream');
      const pwKeys = proxy.events().filter((e) => e.type === 'interaction_key' && e.data.selector === '#pw');
      h.equal(pwKeys.length, 0, 'no key events from the password field');
    }],
    ['a link that opens a tab gives page_tab_opened', async () => {
      const [popup] = await Promise.all([page.context().waitForEvent('page'), page.click('#tab')]);
      await popup.waitForLoadState('load');
      const tab = await waitType('page_tab_opened', (e) => e.data.opener_id === targetId);
      const existing = proxy.events().filter((e) => e.type === 'page_tab_opened' && e.seq > captureStart && e.data.target_id === targetId);
      h.equal(existing.length, 0, 'no page_tab_opened for the tab that existed when the capture began');
      h.check(tab.data.target_id && tab.data.target_id !== targetId, 'a new target');
      await waitType('page_load', (e) => e.data.target_id === tab.data.target_id);
      await popup.close();
    }],
    ['ending the session stops browser-content events; seq continues', async () => {
      const r = await m.telemetry(proxy.hub, 'PUT', { browser: {} });
      h.equal(r.status, 200, 'PUT with nothing enabled');
      const ended = await proxy.waitEvent('session_ended', (e) => e.type === 'session_ended');
      h.equal((await m.telemetry(proxy.hub, 'GET')).status, 404, 'GET after the end');
      h.equal((await m.telemetry(proxy.hub, 'PATCH', m.browserConfig('page'))).status, 404, 'PATCH without a session');
      await page.goto(`${site.url}/`, { waitUntil: 'load' });
      await h.sleep(1500);
      const after = proxy.events().filter((e) => e.seq > ended.seq && (m.BROWSER_CONTENT.has(e.category) || e.category === 'monitor'));
      h.equal(after.length, 0, `events after the session: ${after.map((e) => e.type)}`);
      const r2 = await m.telemetry(proxy.hub, 'PUT', m.browserConfig('page'));
      h.equal(r2.status, 201, 'a new session');
      h.check(r2.body.seq > ended.seq, 'seq never resets');
    }],
  ], async () => {
    if (browser) await browser.close().catch(() => {});
    await proxy.stop();
    await site.close();
    await chrome.kill();
  });
}

main();
