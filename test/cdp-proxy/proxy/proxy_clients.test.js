// The CDP proxy in front of a real headless Chromium, driven by real clients: playwright-core,
// puppeteer-core and chrome-remote-interface; the /json endpoints and URL rewriting; a 20 MiB
// result; Origin/Host handling; --token; bad handshakes; client frames that break RFC 6455 (a raw
// socket: 1002 with the rule named, other clients unharmed). Events are checked for every client.
'use strict';
const crypto = require('crypto');
const path = require('path');
const h = require('../../integration/lib/proxy_harness');

h.requirePrerequisites();
const { chromium } = require('playwright-core');
const puppeteer = require('puppeteer-core');
const CDP = require('chrome-remote-interface');

const dir = h.tmpDir('faultline-proxy-clients-');
const log = path.join(dir, 'chromium.log');
let chrome, proxy, upProxy, tokenProxy;

// A WebSocket on a raw TCP socket through the proxy (valid upgrade), to write crafted frames.
// Resolves once the 101 is in; .frames() parses what the server sent (unmasked frames).
function rawWebSocket(port, target) {
  const net = require('net');
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0), upgraded = false;
    s.ended = new Promise((r) => s.once('close', r));
    s.on('error', reject);
    s.on('connect', () => s.write(h.upgradeRequest(target, port)));
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (upgraded) return;
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.subarray(0, end).toString('latin1');
      if (!head.startsWith('HTTP/1.1 101')) return reject(new Error(`no upgrade: ${head}`));
      upgraded = true;
      buf = buf.subarray(end + 4);
      resolve(s);
    });
    s.frames = () => {
      const out = [];
      let at = 0;
      while (at + 2 <= buf.length) {
        let len = buf[at + 1] & 0x7f, hdr = 2;
        if (len === 126) { len = buf.readUInt16BE(at + 2); hdr = 4; }
        else if (len === 127) { len = Number(buf.readBigUInt64BE(at + 2)); hdr = 10; }
        if (at + hdr + len > buf.length) break;
        out.push({ opcode: buf[at] & 0x0f, payload: buf.subarray(at + hdr, at + hdr + len) });
        at += hdr + len;
      }
      return out;
    };
  });
}

// A client frame: first byte b0, masked unless mask is false.
function clientFrame(b0, text, mask = true) {
  const payload = Buffer.from(text);
  const key = Buffer.from([0x11, 0x22, 0x33, 0x44]);
  const head = Buffer.from([b0, (mask ? 0x80 : 0) | payload.length]);
  if (!mask) return Buffer.concat([head, payload]);
  return Buffer.concat([head, key, Buffer.from(payload.map((b, i) => b ^ key[i % 4]))]);
}

const steps = [
  ['start Chromium and two proxies (--chromium-log and --upstream)', async () => {
    chrome = await h.startChromium({ port: await h.freePort(), logFile: log });
    proxy = await h.startProxy(['--chromium-log', log]);
    upProxy = await h.startProxy(['--upstream', `127.0.0.1:${chrome.port}`]);
  }],

  ['/json endpoints are relayed with URLs pointing at the proxy', async () => {
    const uuid = chrome.wsUrl.split('/').pop();
    for (const p of ['/json/version', '/json/version/']) {
      const r = await h.getJson(proxy.url + p);
      h.equal(r.status, 200, p);
      h.equal(r.body.webSocketDebuggerUrl, `ws://127.0.0.1:${proxy.port}/devtools/browser/${uuid}`, p);
      h.check(r.body.Browser.startsWith('Chrome/'), `${p} carries Chromium's own fields`);
    }
    for (const p of ['/json', '/json/', '/json/list', '/json/list/']) {
      const r = await h.getJson(proxy.url + p);
      h.equal(r.status, 200, p);
      const pages = r.body.filter((t) => t.type === 'page');
      h.check(pages.length >= 1, `${p} lists a page`);
      for (const t of pages) {
        h.equal(t.webSocketDebuggerUrl, `ws://127.0.0.1:${proxy.port}/devtools/page/${t.id}`, `${p} ws url`);
        h.check(t.devtoolsFrontendUrl.includes(`ws=127.0.0.1:${proxy.port}/devtools/page/${t.id}`),
          `${p} frontend url: ${t.devtoolsFrontendUrl}`);
      }
    }
    const proto = await h.getJson(proxy.url + '/json/protocol');
    h.equal(proto.status, 200, '/json/protocol');
    h.check(proto.body.domains.some((d) => d.domain === 'Runtime'), 'protocol has Runtime');
  }],

  ['the client-facing Host is echoed (even a name Chromium rejects); wss behind TLS', async () => {
    const direct = await h.httpRequest(chrome.port, 'GET', '/json/version', { Host: 'cdp.example.internal:443' });
    h.equal(direct.status, 500, 'control: Chromium itself rejects that Host');
    const r = await h.httpRequest(proxy.port, 'GET', '/json/version', { Host: 'cdp.example.internal:443' });
    h.equal(r.status, 200, 'through the proxy');
    h.check(r.json.webSocketDebuggerUrl.startsWith('ws://cdp.example.internal:443/devtools/browser/'), r.json.webSocketDebuggerUrl);
    const tls = await h.httpRequest(proxy.port, 'GET', '/json/list', { Host: 'cdp.example.internal', 'X-Forwarded-Proto': 'https' });
    const page = tls.json.find((t) => t.type === 'page');
    h.check(page.webSocketDebuggerUrl.startsWith('wss://cdp.example.internal/devtools/page/'), page.webSocketDebuggerUrl);
    h.check(page.devtoolsFrontendUrl.includes('wss=cdp.example.internal/devtools/page/'), page.devtoolsFrontendUrl);
    const bad = await h.httpRequest(proxy.port, 'GET', '/json/version', { Host: 'evil"host' });
    h.equal(bad.status, 400, 'a Host that cannot go into a URL');
  }],

  ['PUT /json/new, /json/activate, /json/close; GET /json/new gets Chromium\'s 405; unknown -> 404', async () => {
    const created = await h.httpRequest(proxy.port, 'PUT', '/json/new?about:blank');
    h.equal(created.status, 200, 'PUT /json/new');
    h.equal(created.json.webSocketDebuggerUrl, `ws://127.0.0.1:${proxy.port}/devtools/page/${created.json.id}`, 'new page url');
    h.equal((await h.httpRequest(proxy.port, 'GET', '/json/new?about:blank')).status, 405, 'GET /json/new');
    const act = await h.httpRequest(proxy.port, 'GET', `/json/activate/${created.json.id}`);
    h.equal(act.status, 200, 'activate');
    h.equal(act.body, 'Target activated', 'activate body');
    const closed = await h.httpRequest(proxy.port, 'GET', `/json/close/${created.json.id}`);
    h.equal(closed.status, 200, 'close');
    h.equal((await h.httpRequest(proxy.port, 'GET', '/json/close/NOSUCHID')).status, 404, 'close unknown id');
    const unknown = await h.httpRequest(proxy.port, 'GET', '/json/bogus');
    h.equal(unknown.status, 404, '/json/bogus');
    h.check(unknown.json && unknown.json.error.includes('/json/bogus'), 'a JSON error that names the path');
  }],

  ['playwright-core connectOverCDP: new page, evaluate, screenshot; client_close', async () => {
    const browser = await chromium.connectOverCDP(proxy.url);
    const context = browser.contexts()[0];
    const page = await context.newPage();
    await page.setContent('<h1 style="color:red">faultline</h1>');
    h.equal(await page.evaluate(() => document.querySelector('h1').textContent), 'faultline', 'evaluate');
    const png = await page.screenshot();
    h.check(png.length > 1000 && png.subarray(1, 4).toString() === 'PNG', 'screenshot is a PNG');
    await page.close();
    await browser.close();
    const connect = await proxy.waitEvent('cdp_connect (playwright)', (e) => e.type === 'cdp_connect');
    h.equal(connect.data.target, 'browser', 'target');
    h.check(connect.data.upstream_url === chrome.wsUrl, `upstream_url ${connect.data.upstream_url}`);
    h.check(/^127\.0\.0\.1:\d+$/.test(connect.data.client_addr), 'client_addr');
    const d = await proxy.waitEvent('cdp_disconnect (playwright)', h.disconnectOf(connect.data.connection_id));
    h.equal(d.data.reason, 'client_close', 'reason');
    h.check(d.data.messages_from_client > 5 && d.data.messages_from_upstream > 5, 'messages counted');
    h.check(d.data.bytes_from_upstream > png.length, 'the screenshot bytes came through');
  }],

  ['puppeteer-core connect({browserURL}) through the --upstream proxy', async () => {
    const browser = await puppeteer.connect({ browserURL: upProxy.url });
    const page = await browser.newPage();
    h.equal(await page.evaluate(() => 6 * 7), 42, 'evaluate');
    await page.close();
    await browser.disconnect();
    const connect = await upProxy.waitEvent('cdp_connect (puppeteer)', (e) => e.type === 'cdp_connect');
    const d = await upProxy.waitEvent('cdp_disconnect (puppeteer)', h.disconnectOf(connect.data.connection_id));
    h.equal(d.data.reason, 'client_close', 'reason');
    h.equal(d.data.close_code, 1000, 'close code from the client\'s Close frame');
  }],

  ['chrome-remote-interface: List, Protocol, a page socket; a 20 MiB result arrives intact', async () => {
    const opts = { host: '127.0.0.1', port: proxy.port };
    const targets = await CDP.List(opts);
    h.check(targets.every((t) => !t.webSocketDebuggerUrl || t.webSocketDebuggerUrl.includes(`:${proxy.port}/`)), 'List points at the proxy');
    const protocol = await CDP.Protocol(opts);
    h.check(protocol.domains.length > 20, 'Protocol');
    const client = await CDP(opts);  // first page target, page-level socket
    const size = 20 * 1024 * 1024;
    const expr = `(() => { let s = ''; const chunk = Array.from({length: 1024}, (_, i) => String.fromCharCode(97 + (i * 7) % 26)).join(''); while (s.length < ${size}) s += chunk; return s; })()`;
    const { result } = await client.Runtime.evaluate({ expression: expr, returnByValue: true });
    h.equal(result.value.length, size, 'length');
    const chunk = Array.from({ length: 1024 }, (_, i) => String.fromCharCode(97 + (i * 7) % 26)).join('');
    const want = crypto.createHash('sha256').update(chunk.repeat(size / 1024)).digest('hex');
    h.equal(crypto.createHash('sha256').update(result.value).digest('hex'), want, 'content');
    await client.close();
    const connect = await proxy.waitEvent('cdp_connect (page)', (e) => e.type === 'cdp_connect' && e.data.target === 'page');
    h.check(/^\/devtools\/page\/[0-9A-F]{32}$/.test(connect.data.path), `path ${connect.data.path}`);
    const d = await proxy.waitEvent('cdp_disconnect (page)', h.disconnectOf(connect.data.connection_id));
    h.equal(d.data.reason, 'client_close', 'reason');
    h.check(d.data.bytes_from_upstream > size, `bytes_from_upstream ${d.data.bytes_from_upstream}`);
    h.check(d.data.messages_from_client >= 1 && d.data.messages_from_upstream >= 1, 'messages');
  }],

  ['a browser id from before (any id) reaches the current browser; Origin is removed', async () => {
    const ws = await h.openSocket(`ws://127.0.0.1:${proxy.port}/devtools/browser/00000000-old-id`, { origin: 'https://evil.example' });
    const v = await h.command(ws, 'Browser.getVersion');
    h.check(v.product.startsWith('HeadlessChrome/') || v.product.startsWith('Chrome/'), v.product);
    ws.close();
    await h.openSocket(chrome.wsUrl, { origin: 'https://evil.example' }).then(
      () => { throw new Error('control: Chromium should refuse that Origin'); },
      (e) => h.check(/403/.test(e.message), `control: ${e.message}`));
  }],

  ['bad handshakes get clear HTTP errors', async () => {
    const p = proxy.port;
    const noKey = await h.rawRequest(p, h.upgradeRequest('/devtools/browser/x', p, { 'Sec-WebSocket-Key': null }));
    h.equal(noKey.status, 400, 'no key');
    h.check(noKey.body.includes('Sec-WebSocket-Key'), noKey.body);
    const badKey = await h.rawRequest(p, h.upgradeRequest('/devtools/browser/x', p, { 'Sec-WebSocket-Key': 'short' }));
    h.equal(badKey.status, 400, 'invalid key');
    const version = await h.rawRequest(p, h.upgradeRequest('/devtools/browser/x', p, { 'Sec-WebSocket-Version': '8' }));
    h.equal(version.status, 426, 'wrong version');
    h.equal(version.headers['sec-websocket-version'], '13', 'advertises 13');
    const huge = await h.rawRequest(p, h.upgradeRequest('/devtools/browser/x', p, { 'X-Filler': 'a'.repeat(20000) }));
    h.equal(huge.status, 431, 'oversized headers');
    const garbage = await h.rawRequest(p, Buffer.from([0x16, 0x03, 0x01, 0x00, 0xff, 0x0d, 0x0a, 0x0d, 0x0a]));
    h.equal(garbage.status, 400, 'garbage');
    const http2 = await h.rawRequest(p, 'GET /json/version HTTP/2.0\r\nHost: x\r\n\r\n');
    h.equal(http2.status, 505, 'HTTP/2.0 request line');
    const plain = await h.httpRequest(p, 'GET', '/devtools/browser/x');
    h.equal(plain.status, 400, 'no upgrade on a WebSocket path');
    const unknownPage = await h.rawRequest(p, h.upgradeRequest('/devtools/page/NOSUCHTARGET', p));
    h.equal(unknownPage.status, 500, 'Chromium\'s own answer for an unknown page is passed on');
    h.check(unknownPage.body.includes('No such target id'), unknownPage.body);
    const other = await h.httpRequest(p, 'GET', '/');
    h.equal(other.status, 404, '/');
  }],

  ['a client frame that breaks RFC 6455 gets 1002 with the rule named; other clients go on', async () => {
    const bystander = await h.openSocket(`ws://127.0.0.1:${proxy.port}/devtools/browser/x`);
    await h.command(bystander, 'Browser.getVersion');
    const cases = [
      ['unmasked', clientFrame(0x81, '{"id":2,"method":"Browser.getVersion"}', false), 'client_close: protocol error: unmasked frame'],
      ['reserved opcode', clientFrame(0x83, '{}'), 'client_close: protocol error: reserved opcode 3'],
    ];
    for (const [name, bad, reasonPrefix] of cases) {
      const s = await rawWebSocket(proxy.port, '/devtools/browser/x');
      const localPort = s.localPort;  // gone once the socket is closed
      s.write(clientFrame(0x81, '{"id":1,"method":"Browser.getVersion"}'));
      await h.waitFor(`${name}: the reply to a well-formed frame`, () => s.frames().some((f) => f.opcode === 1));
      s.write(bad);
      const close = await h.waitFor(`${name}: a Close frame`, () => s.frames().find((f) => f.opcode === 8), 10000);
      const code = close.payload.readUInt16BE(0), reason = close.payload.subarray(2).toString();
      h.equal(code, 1002, `${name}: close code`);
      h.check(reason.startsWith(reasonPrefix), `${name}: close reason ${JSON.stringify(reason)}`);
      h.equal(s.frames().filter((f) => f.opcode === 1).length, 1, `${name}: Chromium never answered the bad frame`);
      s.write(Buffer.from([0x88, 0x82, 0, 0, 0, 0, 0x03, 0xea]));  // the client's Close answers ours
      await Promise.race([s.ended, h.sleep(5000)]);
      h.check(s.destroyed || s.readableEnded, `${name}: the proxy closed the socket`);
      const c = await proxy.waitEvent(`${name}: cdp_connect`, (e) => e.type === 'cdp_connect' && e.data.client_addr.endsWith(`:${localPort}`));
      const d = await proxy.waitEvent(`${name}: cdp_disconnect`, h.disconnectOf(c.data.connection_id));
      h.equal(d.data.reason, 'client_close', `${name}: reason`);
      h.equal(d.data.close_code, 1002, `${name}: close_code`);
    }
    h.check(/client protocol error \(unmasked frame/.test(proxy.stderr()), 'the log says why');
    const v = await h.command(bystander, 'Browser.getVersion');
    h.check(v.product.startsWith('HeadlessChrome') || v.product.startsWith('Chrome'), `the bystander goes on: ${v.product}`);
    bystander.close();
    const fresh = await h.openSocket(`ws://127.0.0.1:${proxy.port}/devtools/browser/x`);
    await h.command(fresh, 'Browser.getVersion');
    fresh.close();
    h.equal((await h.getJson(proxy.url + '/json/version')).status, 200, '/json/version still answers');
  }],

  ['--token: 401 without it; ?token= or Bearer work for /json and WebSockets', async () => {
    tokenProxy = await h.startProxy(['--chromium-log', log, '--token', 's3cret']);
    const base = tokenProxy.url;
    const denied = await h.getJson(base + '/json/version');
    h.equal(denied.status, 401, 'no token');
    h.equal((await h.getJson(base + '/json/version?token=wrong')).status, 401, 'wrong token');
    const viaQuery = await h.getJson(base + '/json/version?token=s3cret');
    h.equal(viaQuery.status, 200, '?token=');
    h.check(viaQuery.body.webSocketDebuggerUrl.endsWith('?token=s3cret'), 'the ws URL carries the query token');
    const viaHeader = await h.getJson(base + '/json/list', { Authorization: 'Bearer s3cret' });
    h.equal(viaHeader.status, 200, 'Bearer');
    const wsDenied = await h.rawRequest(tokenProxy.port, h.upgradeRequest('/devtools/browser/x', tokenProxy.port));
    h.equal(wsDenied.status, 401, 'upgrade without token');
    const pw = await chromium.connectOverCDP(`${base}/?token=s3cret`);
    h.check(pw.contexts().length >= 1, 'playwright with ?token=');
    await pw.close();
    const pp = await puppeteer.connect({ browserWSEndpoint: viaQuery.body.webSocketDebuggerUrl });
    h.check((await pp.version()).includes('Chrome'), 'puppeteer with the token URL');
    await pp.disconnect();
    const page = viaHeader.body.find((t) => t.type === 'page');
    const ws = await h.openSocket(page.webSocketDebuggerUrl, { headers: { Authorization: 'Bearer s3cret' } });
    h.equal((await h.command(ws, 'Runtime.evaluate', { expression: '1+1' })).result.value, 2, 'page socket with Bearer');
    ws.close();
  }],
];

h.run(steps, async () => {
  let error;
  for (const p of [proxy, upProxy, tokenProxy]) if (p) await p.stop().catch((e) => { error = error || e; });
  if (chrome) await chrome.kill();
  if (error) throw error;
});
