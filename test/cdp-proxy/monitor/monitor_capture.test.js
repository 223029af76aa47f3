// The CDP monitor's capture path, end to end against real Chromium through the real cdp-proxy
// (Playwright through the proxy, the local test site): a capture of one category alone still
// has navigation context (network_idle, url, nav_seq follow navigations; interaction events
// after a navigation); typed text of sensitive fields (a password inside an open or closed
// shadow root, a field inside a card-number widget, a one-time code, a card number, a CVV)
// and credential headers never reach the stream; page_tab_opened only for new tabs; a
// cross-site iframe and a dedicated worker report their console and network events under
// their own targets; screenshots on load and on an exception, rate-limited and size-capped;
// the events other producers POST (live_view_*, captcha_solve_result) are validated and
// streamed. MONITOR_STEPS=word,... runs only the steps whose names contain a word.
'use strict';
const path = require('path');
const h = require('../../integration/lib/proxy_harness');
const m = require('../../integration/lib/monitor_harness');

h.requirePrerequisites();
const { chromium } = require('playwright-core');

const SHOT_INTERVAL_S = 1;

async function main() {
  const dir = h.tmpDir('faultline-mcap-');
  const chromePort = await h.freePort();
  const chrome = await h.startChromium({ port: chromePort, logFile: path.join(dir, 'chromium.log') });
  const site = await m.startSite();
  const proxy = await m.startProxyWithHub(['--upstream', `127.0.0.1:${chromePort}`,
    '--screenshot-interval', String(SHOT_INTERVAL_S)]);
  let second;
  let browser;
  let page;
  let targetId;
  let cap = null;  // the capture in progress: {id, seq}
  const lastSeq = () => { const ev = proxy.events(); return ev.length ? ev[ev.length - 1].seq : 0; };
  const after = (seq) => proxy.events().filter((e) => e.seq > seq);
  const mine = (e) => e.data && e.data.target_id === targetId;
  const waitType = (t, pred = () => true, ms = 15000) =>
    proxy.waitEvent(t, (e) => e.type === t && e.seq > cap.seq && pred(e), ms);

  async function capture(...cats) {
    const seq0 = lastSeq();
    const r = await m.telemetry(proxy.hub, 'PUT', m.browserConfig(...cats));
    h.equal(r.status, 201, `PUT /telemetry ${cats}`);
    const started = await proxy.waitEvent('capture_session_started',
      (e) => e.type === 'capture_session_started' && e.seq > seq0);
    cap = { id: started.data.capture_session_id, seq: started.seq };
    await h.sleep(500);  // the monitor attaches and enables its domains
    return cap;
  }
  async function endCapture() {
    const r = await m.telemetry(proxy.hub, 'PUT', { browser: {} });
    h.equal(r.status, 200, 'PUT with nothing enabled ends the capture');
    const ended = await proxy.waitEvent('session_ended',
      (e) => e.type === 'session_ended' && e.data.capture_session_id === cap.id);
    return ended.seq;
  }
  const categoriesIn = (events) => new Set(events.filter((e) => m.BROWSER_CONTENT.has(e.category)).map((e) => e.category));

  // MONITOR_STEPS=word,word runs only the steps whose names contain one of the words (and setup).
  const only = (process.env.MONITOR_STEPS || '').split(',').filter(Boolean);
  const chosen = (steps) => steps.filter(([name], i) => i === 0 || !only.length || only.some((w) => name.includes(w)));
  await h.run(chosen([
    ['setup: Playwright through the proxy', async () => {
      await h.waitFor('monitor attached', () => /monitor: attached to ws:/.test(proxy.stderr()), 15000);
      browser = await chromium.connectOverCDP(proxy.url);
      page = await browser.contexts()[0].newPage();
      const cdp = await page.context().newCDPSession(page);
      targetId = (await cdp.send('Target.getTargetInfo')).targetInfo.targetId;
      await page.goto(`${site.url}/quiet`, { waitUntil: 'load' });
    }],
    ['network alone: network_idle arrives, nav_seq and url follow three navigations', async () => {
      await capture('network');
      let prev = 0;
      for (let i = 1; i <= 3; i++) {
        const url = `${site.url}/?n=${i}`;
        await page.goto(url, { waitUntil: 'load' });
        const doc = await waitType('network_request', (e) => mine(e) && e.data.url === url);
        const seq = doc.data.nav_seq;
        h.check(seq >= 2 && (prev === 0 || seq === prev + 1), `nav_seq ${seq} after ${prev}`);
        const sub = await waitType('network_response', (e) => mine(e) && e.data.url === `${site.url}/data.json` && e.seq > doc.seq);
        h.equal(sub.data.nav_seq, seq, 'a subresource belongs to its document\'s navigation');
        const idle = await waitType('network_idle', (e) => mine(e) && e.data.nav_seq === seq);
        h.equal(idle.data.url, url, 'network_idle url');
        h.check(idle.data.loader_id && idle.data.loader_id === doc.data.loader_id, 'network_idle loader_id');
        prev = seq;
      }
      const cats = categoriesIn(after(cap.seq));
      h.check(cats.size === 1 && cats.has('network'), `only network events: ${[...cats]}`);
      // Chromium's own UI (browser_ui targets such as the omnibox popup) is not the page's story.
      const internal = after(cap.seq).filter((e) => m.BROWSER_CONTENT.has(e.category) &&
        (e.data.target_type === 'browser_ui' || /^(chrome|devtools):/.test(e.data.url || '')));
      h.equal(internal.length, 0, `no events of Chromium's own UI: ${internal.slice(0, 3).map((e) => e.data.url)}`);
      await endCapture();
    }],
    ['console alone: url and nav_seq of each navigation', async () => {
      await capture('console');
      let prev = 0;
      for (let i = 1; i <= 2; i++) {
        const url = `${site.url}/?c=${i}`;
        await page.goto(url, { waitUntil: 'load' });
        const log = await waitType('console_log', (e) => mine(e) && e.data.text === 'hello from the page' && e.data.url === url);
        h.check(log.data.nav_seq >= 2 && (prev === 0 || log.data.nav_seq === prev + 1), `nav_seq ${log.data.nav_seq} after ${prev}`);
        h.check(log.data.loader_id, 'loader_id');
        prev = log.data.nav_seq;
      }
      const blank = after(cap.seq).filter((e) => e.category === 'console' && e.data.url === 'about:blank');
      h.equal(blank.length, 0, 'no console event tagged about:blank');
      const cats = categoriesIn(after(cap.seq));
      h.check(cats.size === 1 && cats.has('console'), `only console events: ${[...cats]}`);
      await endCapture();
    }],
    ['interaction alone: clicks and keys after a navigation', async () => {
      await capture('interaction');
      await page.goto(`${site.url}/private`, { waitUntil: 'load' });
      await page.click('#plain');
      const click = await waitType('interaction_click', (e) => mine(e) && e.data.selector === '#plain');
      h.equal(click.data.tag, 'INPUT', 'click tag');
      h.equal(click.data.url, `${site.url}/private`, 'click url');
      await page.keyboard.type('qwerty', { delay: 100 });
      await waitType('interaction_key', (e) => mine(e) && e.data.selector === '#plain' && e.data.key === 'y');
      const keys = after(cap.seq).filter((e) => e.type === 'interaction_key' && e.data.selector === '#plain').map((e) => e.data.key).join('');
      h.equal(keys, 'qwerty', 'every key of the plain field');
      await endCapture();
    }],
    // The proof that the interaction script suppresses password, payment and one-time-code
    // fields: keys typed into each in a real page, none in any interaction_key.
    ['typed text of sensitive fields never reaches the stream', async () => {
      await capture('console', 'network', 'page', 'interaction', 'screenshot');
      await page.goto(`${site.url}/private`, { waitUntil: 'load' });
      const typing = lastSeq();
      await page.click('#pw2');
      await page.keyboard.type(m.TYPED.password, { delay: 70 });
      await page.click('#inner');  // Playwright's CSS pierces the open shadow root
      await page.keyboard.type(m.TYPED.shadowPassword, { delay: 70 });
      await page.click('#cbox');  // focuses the field inside the closed shadow root
      await page.keyboard.type(m.TYPED.closedShadow, { delay: 70 });
      await page.click('#cardpart');  // a plain input inside a card-number widget
      await page.keyboard.type(m.TYPED.wrapped, { delay: 70 });
      await page.click('#otp');
      await page.keyboard.type(m.TYPED.otp, { delay: 70 });
      await page.click('#card');
      await page.keyboard.type(m.TYPED.card, { delay: 70 });
      await page.click('#cv');
      await page.keyboard.type(m.TYPED.cvv, { delay: 70 });
      await page.click('#plain');
      await page.keyboard.type('ok', { delay: 100 });
      await waitType('interaction_key', (e) => mine(e) && e.data.selector === '#plain' && e.data.key === 'k');
      const innerClick = await waitType('interaction_click', (e) => mine(e) && e.data.selector === '#inner');
      h.equal(innerClick.data.text, '', 'no text for the shadow password field');
      const keyEvents = after(typing).filter((e) => e.type === 'interaction_key');
      h.check(keyEvents.every((e) => e.data.selector === '#plain'),
        `key events only from the plain field: ${keyEvents.map((e) => e.data.selector + ':' + e.data.key)}`);
      const all = JSON.stringify(proxy.events());
      const typedKeys = keyEvents.map((e) => e.data.key).join('');
      for (const [what, text] of Object.entries(m.TYPED)) {
        h.check(!all.includes(text), `${what} text is not in the stream`);
        h.check(!typedKeys.includes(text), `${what} keys are not in the stream`);
      }
      await endCapture();
    }],
    ['page_tab_opened only for a tab opened during the capture', async () => {
      await capture('page');
      const [popup] = await Promise.all([page.context().waitForEvent('page'),
        page.evaluate((u) => { window.open(u); }, `${site.url}/quiet?popup=1`)]);
      await popup.waitForLoadState('load');
      const tab = await waitType('page_tab_opened', (e) => e.data.opener_id === targetId);
      h.check(tab.data.target_id !== targetId, 'the popup is a new target');
      await waitType('page_load', (e) => e.data.target_id === tab.data.target_id);
      const opened = after(cap.seq).filter((e) => e.type === 'page_tab_opened');
      h.equal(opened.length, 1, `one page_tab_opened (the popup), not the tabs that existed: ${opened.map((e) => e.data.url)}`);
      await popup.close();
      await endCapture();
    }],
    ['credential headers are redacted', async () => {
      await capture('network');
      await page.goto(`${site.url}/private`, { waitUntil: 'load' });
      const req = await waitType('network_request', (e) => mine(e) && e.data.url === `${site.url}/creds`);
      h.equal(req.data.headers.Authorization, '[redacted]', 'Authorization redacted');
      h.equal(req.data.headers['X-Api-Key'], '[redacted]', 'X-Api-Key redacted');
      const res = await waitType('network_response', (e) => mine(e) && e.data.url === `${site.url}/creds`);
      h.equal(res.data.status, 200, '/creds status');
      const setCookie = Object.entries(res.data.headers).find(([k]) => k.toLowerCase() === 'set-cookie');
      h.check(!setCookie || setCookie[1] === '[redacted]', `Set-Cookie redacted: ${JSON.stringify(setCookie)}`);
      console.log(`# Set-Cookie ${setCookie ? 'present (redacted)' : 'absent'} in Network.responseReceived headers`);
      const all = JSON.stringify(proxy.events());
      for (const [what, text] of Object.entries(m.CREDS)) h.check(!all.includes(text), `${what} is not in the stream`);
      await endCapture();
    }],
    ['a cross-site iframe and a dedicated worker report under their own targets', async () => {
      await capture('console', 'network', 'page');
      await page.goto(`${site.url}/frames`, { waitUntil: 'load' });
      const frameLog = await waitType('console_log', (e) => e.data.text === 'hello from the iframe');
      const workerLog = await waitType('console_log', (e) => e.data.text === 'hello from the worker');
      const bcdp = await browser.newBrowserCDPSession();
      const { targetInfos } = await bcdp.send('Target.getTargets');
      await bcdp.detach();
      const frameTarget = targetInfos.find((t) => t.type === 'iframe' && t.url.endsWith('/frame'));
      const workerTarget = targetInfos.find((t) => t.type === 'worker' && t.url.endsWith('/worker.js'));
      h.check(frameTarget, `an out-of-process iframe target: ${JSON.stringify(targetInfos.map((t) => [t.type, t.url]))}`);
      h.equal(frameLog.data.target_id, frameTarget.targetId, 'iframe console target_id');
      h.equal(frameLog.data.target_type, 'iframe', 'iframe console target_type');
      h.equal(frameLog.data.frame_id, frameTarget.targetId, 'iframe console frame_id');
      h.check(frameLog.data.url.endsWith('/frame'), `iframe console url ${frameLog.data.url}`);
      const frameRes = await waitType('network_response', (e) => e.data.url.endsWith('/data.json?from=iframe'));
      h.equal(frameRes.data.target_id, frameTarget.targetId, 'iframe network target_id');
      h.equal(frameRes.data.frame_id, frameTarget.targetId, 'iframe network frame_id');
      h.check(workerTarget, 'a worker target');
      h.equal(workerLog.data.target_id, workerTarget.targetId, 'worker console target_id');
      h.equal(workerLog.data.target_type, 'worker', 'worker console target_type');
      const workerReq = await waitType('network_request', (e) => e.data.url.endsWith('/data.json?from=worker'));
      h.equal(workerReq.data.target_id, workerTarget.targetId, 'worker network target_id');
      await waitType('network_response', (e) => e.data.url.endsWith('/data.json?from=worker'));
      for (const e of [frameLog, workerLog, frameRes, workerReq]) h.equal(e.capture_session_id, cap.id, `${e.type} capture_session_id`);
      const ended = await endCapture();
      const workerDone = page.waitForEvent('console', { predicate: (msg) => msg.text().startsWith('page got'), timeout: 10000 });
      await page.goto(`${site.url}/frames`, { waitUntil: 'load' });
      await workerDone;  // the worker logged and fetched
      await h.sleep(1000);
      const leaked = after(ended).filter((e) => m.BROWSER_CONTENT.has(e.category));
      h.equal(leaked.length, 0, `events outside a capture: ${leaked.map((e) => e.type)}`);
    }],
    ['screenshots: on load, on an exception, rate-limited, size-capped', async () => {
      await capture('screenshot', 'console');
      await page.goto(`${site.url}/quiet`, { waitUntil: 'load' });
      const onLoad = await waitType('monitor_screenshot', (e) => mine(e) && e.data.trigger === 'Page.loadEventFired');
      const png = Buffer.from(onLoad.data.png, 'base64');
      h.equal(png.subarray(1, 4).toString(), 'PNG', 'a PNG');
      h.equal(png.length, onLoad.data.bytes, 'bytes is the PNG size');
      await h.sleep(SHOT_INTERVAL_S * 1000 + 200);
      const before = lastSeq();
      await page.evaluate(() => { setTimeout(() => { throw new Error('one exception'); }, 0); });
      const onEx = await proxy.waitEvent('exception screenshot',
        (e) => e.type === 'monitor_screenshot' && e.seq > before && e.data.trigger === 'Runtime.exceptionThrown');
      h.equal(onEx.data.target_id, targetId, 'exception screenshot target');
      await h.sleep(SHOT_INTERVAL_S * 1000 + 200);
      const burstFrom = lastSeq();
      await page.evaluate(() => new Promise((resolve) => {
        let n = 0;
        const id = setInterval(() => {
          if (++n > 30) { clearInterval(id); resolve(); return; }
          const k = n;
          setTimeout(() => { throw new Error(`burst ${k}`); }, 0);
        }, 50);
      }));
      await waitType('console_error', (e) => e.seq > burstFrom && /burst 30/.test(e.data.text));
      await h.sleep(1500);
      const shots = after(burstFrom).filter((e) => e.type === 'monitor_screenshot');
      // The monitor saw the exceptions over this span (their console_error events' times).
      const ms = (ts) => Date.parse(ts.replace(/(\.\d{3})\d*Z$/, '$1Z'));
      const errors = after(burstFrom).filter((e) => e.type === 'console_error' && /burst \d+/.test(e.data.text));
      h.equal(errors.length, 30, 'every exception of the burst');
      const spanMs = ms(errors[errors.length - 1].ts) - ms(errors[0].ts);
      const limit = Math.floor((spanMs + 100) / (SHOT_INTERVAL_S * 1000)) + 1;
      h.check(shots.length >= 1 && shots.length <= limit, `${shots.length} screenshots for 30 exceptions over ${spanMs} ms (limit ${limit})`);
      h.check(shots.every((e) => e.data.trigger === 'Runtime.exceptionThrown'), 'triggered by the exceptions');
      console.log(`# burst: 30 exceptions over ${spanMs} ms, ${shots.length} screenshots`);
      // A second proxy with a cap below that size: the image is recaptured smaller until it fits.
      const capBytes = Math.floor(onLoad.data.bytes / 2);
      second = await m.startProxyWithHub(['--upstream', `127.0.0.1:${chromePort}`, '--screenshot-max-bytes', String(capBytes)]);
      await h.waitFor('second monitor attached', () => /monitor: attached to ws:/.test(second.stderr()), 15000);
      h.equal((await m.telemetry(second.hub, 'PUT', m.browserConfig('screenshot'))).status, 201, 'second capture');
      await h.sleep(500);
      await page.goto(`${site.url}/quiet?again=1`, { waitUntil: 'load' });
      const small = await second.waitEvent('capped screenshot', (e) => e.type === 'monitor_screenshot' && e.data.target_id === targetId);
      h.check(small.data.bytes <= capBytes, `${small.data.bytes} bytes within the cap ${capBytes}`);
      const width = (b64) => Buffer.from(b64, 'base64').readUInt32BE(16);  // PNG IHDR
      h.check(width(small.data.png) < width(onLoad.data.png), `scaled down: ${width(small.data.png)} < ${width(onLoad.data.png)} px wide`);
      h.equal(Buffer.from(small.data.png, 'base64').length, small.data.bytes, 'bytes is the PNG size');
      for (const e of second.events().filter((x) => x.type === 'monitor_screenshot'))
        h.check(e.data.bytes <= capBytes, 'no screenshot over the cap');
      await endCapture();
    }],
    ['live_view_* and captcha_solve_result from other producers: validated, streamed', async () => {
      const r = await fetch(`${proxy.hub}/telemetry/capture`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ categories: ['connection', 'captcha'] }) });
      h.equal(r.status, 201, `capture of connection and captcha: ${await r.text()}`);
      const post = (ev) => fetch(`${proxy.hub}/telemetry/events`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(ev) });
      const src = { kind: 'neko' };
      const sent = [
        { type: 'live_view_connect', source: src, id: 'lv:1', data: { session_id: 'lv-1' } },
        { type: 'live_view_disconnect', source: src, id: 'lv:2', data: { session_id: 'lv-1', duration_ms: 1234.5 } },
        { type: 'captcha_solve_result', source: { kind: 'solver' }, id: 'cs:1',
          data: { captcha_type: 'turnstile', status: 'success', duration_ms: 2100, task_id: 't-9', website_host: 'example.com', website_path: '/login' } },
      ];
      for (const ev of sent) {
        const res = await post(ev);
        h.equal(res.status, 200, `${ev.type} accepted: ${await res.text()}`);
        const got = await proxy.waitEvent(ev.type, (e) => e.type === ev.type && e.id === ev.id);
        h.equal(JSON.stringify(got.data), JSON.stringify(ev.data), `${ev.type} data round-trips`);
        h.equal(got.category, ev.type.startsWith('captcha') ? 'captcha' : 'connection', `${ev.type} category`);
        h.check(got.capture_session_id, `${ev.type} capture_session_id`);
      }
      const bad = [
        { type: 'live_view_connect', source: src, id: 'bad:1', data: { session_id: 7 } },
        { type: 'live_view_disconnect', source: src, id: 'bad:2', data: { session_id: 'lv-1', duration_ms: 'long' } },
        { type: 'captcha_solve_result', source: src, id: 'bad:3', data: { captcha_type: 'turnstile', status: 'success', duration_ms: '2s' } },
        { type: 'captcha_solve_result', source: src, id: 'bad:4', data: { captcha_type: 'sudoku', status: 'success', duration_ms: 1 } },
      ];
      for (const ev of bad) {
        const res = await post(ev);
        const text = await res.text();
        h.equal(res.status, 400, `${JSON.stringify(ev.data)} rejected: ${text}`);
      }
      await h.sleep(300);
      h.check(!proxy.events().some((e) => String(e.id).startsWith('bad:')), 'nothing rejected was stored');
      await fetch(`${proxy.hub}/telemetry/capture`, { method: 'DELETE' });
    }],
  ]), async () => {
    if (browser) await browser.close().catch(() => {});
    if (second) await second.stop();
    await proxy.stop();
    await site.close();
    await chrome.kill();
  });
}

main();
