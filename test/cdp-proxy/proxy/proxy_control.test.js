// The control category end to end: a Playwright script through the real proxy, under a capture
// with control. Its CDP commands appear as cdp_command with the right methods, durations and
// errors (a deliberately failing Runtime.evaluate carries Chromium's error); excluded methods
// (control.cdp.excluded_methods, set with PATCH /telemetry) are absent; no param value appears
// in any event; a command without reply at the disconnect carries the disconnect reason; with
// control off nothing is recorded; a PUT without a body captures control too (the default set);
// a command answered just before the capture ends is recorded inside it (the relay publishes
// from a queue, drained before every capture change).
'use strict';
const path = require('path');
const h = require('../../integration/lib/proxy_harness');

h.requirePrerequisites();
const { chromium } = require('playwright-core');

const dir = h.tmpDir('faultline-proxy-control-');
let chrome, proxy;

async function telemetry(method, body) {
  const res = await fetch(`${proxy.hubUrl}/telemetry`, {
    method, headers: { 'Content-Type': 'application/json' }, body: body && JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

const commandsOf = (id) => proxy.events().filter((e) => e.type === 'cdp_command' && e.data.connection_id === id);

const steps = [
  ['start Chromium and the proxy', async () => {
    chrome = await h.startChromium({ port: await h.freePort(), logFile: path.join(dir, 'chromium.log') });
    proxy = await h.startProxy(['--upstream', `127.0.0.1:${chrome.port}`]);
  }],

  ['PUT control: the default excluded methods are the polled ones; PATCH replaces them', async () => {
    const put = await telemetry('PUT', { browser: { control: { enabled: true } } });
    h.equal(put.status, 201, 'PUT starts a session');
    const ex = put.body.config.browser.control.cdp.excluded_methods;
    h.check(ex.includes('Browser.getVersion') && ex.includes('Performance.getMetrics'), JSON.stringify(ex));
    const patch = await telemetry('PATCH', { browser: { control: { enabled: true, cdp: { excluded_methods: ['Target.setAutoAttach'] } } } });
    h.equal(patch.status, 200, 'PATCH');
    h.equal(JSON.stringify(patch.body.config.browser.control.cdp.excluded_methods), '["Target.setAutoAttach"]', 'replaced');
    const bad = await telemetry('PATCH', { browser: { control: { enabled: true, cdp: { excluded_methods: 'x' } } } });
    h.equal(bad.status, 400, 'not an array');
  }],

  ['a Playwright script: methods, durations, errors; excluded methods absent; no param value', async () => {
    const before = new Set(proxy.events().map((e) => e.data.connection_id));
    const browser = await chromium.connectOverCDP(proxy.url);
    const context = browser.contexts()[0];
    const page = await context.newPage();
    await page.setContent('<p>faultline</p>');
    h.equal(await page.evaluate(() => 'SECRET-PARAM-41'.length), 15, 'evaluate');
    const session = await context.newCDPSession(page);
    const failed = await session.send('Runtime.evaluate', { expression: '"SECRET-PARAM-42"', contextId: 987654321 })
      .then(() => null, (e) => e.message);
    h.check(failed && /context/i.test(failed), `the evaluate failed: ${failed}`);
    await browser.close();
    const c = await proxy.waitEvent('cdp_connect', (e) => e.type === 'cdp_connect' && !before.has(e.data.connection_id));
    await proxy.waitEvent('cdp_disconnect', h.disconnectOf(c.data.connection_id));
    const cmds = commandsOf(c.data.connection_id);
    const methods = new Set(cmds.map((e) => e.data.method));
    h.check(cmds.length >= 10, `commands recorded: ${cmds.length}`);
    h.check(cmds.filter((e) => 'duration_ms' in e.data).length >= 10, 'replies matched: ' + JSON.stringify(cmds.slice(0, 5).map((e) => e.data)));
    h.check(methods.has('Browser.getVersion'), `no longer excluded: ${[...methods]}`);
    h.check(!methods.has('Target.setAutoAttach'), 'the excluded method is absent');
    h.check(methods.has('Target.createTarget') && methods.has('Runtime.callFunctionOn'), [...methods].join(' '));
    const bad = cmds.find((e) => e.data.method === 'Runtime.evaluate' && e.data.error_code !== undefined);
    h.check(bad, 'the failing Runtime.evaluate is recorded: ' + JSON.stringify(cmds.filter((e) => e.data.method === 'Runtime.evaluate').map((e) => e.data)));
    h.equal(bad.data.error_code, -32000, 'error_code');
    h.check(/context/i.test(bad.data.error_message), `error_message ${bad.data.error_message}`);
    h.check(typeof bad.data.session_id === 'string' && bad.data.session_id.length > 0, 'on its flattened session');
    for (const e of cmds) {
      h.check(e.category === 'control', 'category control');
      h.check(e.capture_session_id, 'under the capture session');
      h.check(e.data.command_bytes > 0 && Number.isInteger(e.data.id), JSON.stringify(e.data));
      if (!e.data.disconnect_reason)
        h.check(e.data.duration_ms >= 0 && e.data.duration_ms < 30000 && e.data.reply_bytes > 0, JSON.stringify(e.data));
    }
    h.check(!JSON.stringify(proxy.events()).includes('SECRET-PARAM'), 'no param value in any event');
  }],

  ['a command without reply when the connection ends carries the disconnect reason', async () => {
    const ws = await h.openSocket(`ws://127.0.0.1:${proxy.port}/devtools/browser/x`);
    const { targetId } = await h.command(ws, 'Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await h.command(ws, 'Target.attachToTarget', { targetId, flatten: true });
    ws.send(JSON.stringify({ id: 900, method: 'Runtime.evaluate', params: { expression: 'new Promise(() => {})', awaitPromise: true }, sessionId }));
    await h.sleep(300);
    ws.terminate();
    const d = await proxy.waitEvent('cdp_disconnect (terminated)', (e) => e.type === 'cdp_disconnect' &&
      commandsOf(e.data.connection_id).some((c) => c.data.id === 900));
    const open = commandsOf(d.data.connection_id).find((c) => c.data.id === 900);
    h.equal(open.data.disconnect_reason, 'client_close', 'disconnect_reason');
    h.equal(open.data.session_id, sessionId, 'session_id');
    h.check(!('duration_ms' in open.data), 'no duration without a reply');
  }],

  ['control off: nothing is recorded', async () => {
    const off = await telemetry('PATCH', { browser: { control: { enabled: false } } });
    h.equal(off.status, 200, 'PATCH off');
    await h.sleep(200);
    const ws = await h.openSocket(`ws://127.0.0.1:${proxy.port}/devtools/browser/x`);
    await h.command(ws, 'Target.getTargets');
    ws.close();
    const c = await proxy.waitEvent('cdp_connect (off)', (e) => e.type === 'cdp_connect' &&
      !proxy.events().some((x) => x.type === 'cdp_command' && x.data.connection_id === e.data.connection_id) &&
      proxy.events().some(h.disconnectOf(e.data.connection_id)));
    h.equal(commandsOf(c.data.connection_id).length, 0, 'no cdp_command');
  }],

  ['a PUT without a body starts the default set, control among them', async () => {
    const res = await fetch(`${proxy.hubUrl}/telemetry`, { method: 'PUT' });
    const body = await res.json();
    h.equal(res.status, 201, `bodyless PUT: ${JSON.stringify(body)}`);
    const on = Object.entries(body.config.browser).filter(([, v]) => v.enabled).map(([k]) => k).sort();
    h.equal(on.join(','), 'captcha,cdp,connection,control,system', 'the default categories');
    await h.sleep(200);
    const ws = await h.openSocket(`ws://127.0.0.1:${proxy.port}/devtools/browser/x`);
    await h.command(ws, 'Target.getBrowserContexts');
    ws.close();
    await proxy.waitEvent('cdp_command under the default set', (e) => e.type === 'cdp_command' &&
      e.data.method === 'Target.getBrowserContexts' && e.capture_session_id === body.capture_session_id);
  }],

  ['a command answered just before the capture ends is recorded inside it, before session_ended', async () => {
    await fetch(`${proxy.hubUrl}/telemetry/capture`, { method: 'DELETE' });
    const ws = await h.openSocket(`ws://127.0.0.1:${proxy.port}/devtools/browser/x`);
    for (let round = 0; round < 5; round++) {
      const put = await telemetry('PUT', { browser: { control: { enabled: true, cdp: { excluded_methods: [] } } } });
      h.equal(put.status, 201, 'PUT starts a session');
      const session = put.body.capture_session_id;
      const started = await proxy.waitEvent('capture_session_started', (e) => e.type === 'capture_session_started' && e.capture_session_id === session);
      await h.sleep(100);  // the relay has taken control on
      await h.command(ws, 'Target.getTargets');
      await h.command(ws, 'Target.getTargets');
      const last = ws._nextId;
      // At once: the reply is in, its cdp_command is still in the relay's queue.
      const del = await fetch(`${proxy.hubUrl}/telemetry/capture`, { method: 'DELETE' });
      h.equal(del.status, 200, 'DELETE ends the session');
      const ended = await proxy.waitEvent('session_ended', (e) => e.type === 'session_ended' && e.capture_session_id === session);
      const cmd = proxy.events().find((e) => e.type === 'cdp_command' && e.data.id === last &&
        e.data.method === 'Target.getTargets' && e.seq > started.seq);
      h.check(cmd, `round ${round}: the command answered before the end is recorded`);
      h.equal(cmd.capture_session_id, session, 'inside the session');
      h.check(cmd.seq < ended.seq, `before session_ended (${cmd.seq} < ${ended.seq})`);
    }
    ws.close();
  }],
];

h.run(steps, async () => {
  if (proxy) await proxy.stop();
  if (chrome) await chrome.kill();
});
