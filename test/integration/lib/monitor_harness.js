// Helpers for the CDP monitor's integration tests: a small local site (pages that log, throw,
// fetch JSON, fail a request, shift layout, have an LCP element, a password field and a link
// that opens a tab), the proxy with its hub, and the telemetry configuration API.
'use strict';
const http = require('http');
const h = require('./proxy_harness');

const SECRET = 'Xy7-s3cret-PASSWORD-never-in-stream';

const INDEX = `<!doctype html><html><head><title>monitor test</title></head><body>
<h1 id="hero" style="font-size:64px">Largest contentful paint</h1>
<div id="shift-anchor"></div>
<p id="para">Some text <button id="btn" class="primary">Press me</button></p>
<input id="name" name="name" autocomplete="name">
<input id="pw" name="password" type="password" autocomplete="current-password">
<a id="tab" href="/other" target="_blank">open a tab</a>
<div style="height:3000px"></div>
<script>
  console.log('hello from the page', 42, {answer: 42});
  console.warn('careful');
  console.error('something went wrong', 7);
  fetch('/data.json').then((r) => r.json()).then((j) => console.log('json', j.ok));
  fetch('http://127.0.0.1:9/unreachable').catch(() => {});
  window.addEventListener('load', () => {
    setTimeout(() => {
      const d = document.createElement('div');
      d.style.height = '200px';
      d.textContent = 'late banner';
      document.body.insertBefore(d, document.getElementById('hero'));
    }, 100);
    setTimeout(() => { throw new Error('boom from a timer'); }, 150);
  });
</script></body></html>`;

// Typed into sensitive fields, sent as credentials: none may appear anywhere in the stream.
const TYPED = { password: 'plain-pw-5150q', shadowPassword: 'hunter2-shadow-pw', closedShadow: 'closed-pw-77q', wrapped: 'wrapped-4242x', otp: 'otp-918273', card: '4111-2222-3333-4444', cvv: 'cvv-zq737' };
const CREDS = { bearer: 'tok-bearer-c0ffee', apiKey: 'tok-apikey-beef', setCookie: 'tok-setcookie-f00d', cookie: 'tok-cookie-d00d' };

// Sensitive fields (a password, one inside an open shadow root, a one-time code, a card number
// and CVV), a plain field, and requests that carry credentials.
const PRIVATE = `<!doctype html><html><head><title>private</title></head><body>
<input id="pw2" type="password" autocomplete="new-password">
<secret-box id="box"></secret-box>
<closed-box id="cbox" style="display:inline-block"></closed-box>
<input id="otp" autocomplete="one-time-code">
<input id="card" autocomplete="cc-number">
<input id="cv" name="cvv">
<div id="card-number-widget"><input id="cardpart"></div>
<input id="plain" name="nickname">
<script src="/private.js"></script></body></html>`;

// An external script (script bodies are never captured, the document's is): the credentials
// must not reach the stream through the headers.
const PRIVATE_JS = `customElements.define('secret-box', class extends HTMLElement {
  constructor() { super(); this.attachShadow({ mode: 'open' }).innerHTML = '<input id="inner" type="password">'; }
});
// A closed shadow root: the page's listeners see only the host.
customElements.define('closed-box', class extends HTMLElement {
  constructor() { super(); this.attachShadow({ mode: 'closed' }).innerHTML = '<input type="password">'; }
});
document.cookie = 'c2=${CREDS.cookie}';
fetch('/creds', { headers: { Authorization: 'Bearer ${CREDS.bearer}', 'X-Api-Key': '${CREDS.apiKey}' } })
  .then(() => fetch('/data.json?again=1'));`;

// A cross-site iframe (localhost vs 127.0.0.1: another site, so an out-of-process frame) and a
// dedicated worker, each logging and fetching.
const framesPage = (port) => `<!doctype html><html><head><title>frames</title></head><body>
<iframe id="xsite" src="http://localhost:${port}/frame"></iframe>
<script>
  const w = new Worker('/worker.js');
  w.onmessage = (e) => console.log('page got', e.data);
</script></body></html>`;
const FRAME = `<!doctype html><title>frame</title><p>in the frame</p><script>
  console.log('hello from the iframe');
  fetch('/data.json?from=iframe');
</script>`;
const WORKER = `console.log('hello from the worker');
fetch('/data.json?from=worker').then((r) => r.json()).then((j) => postMessage(j.ok));`;

const OTHER = '<!doctype html><title>other</title><p>the other tab</p>';

// Serves the site on 127.0.0.1:<free port>. Also /many?n=N (N subresources) and /quiet.
async function startSite() {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/' || url.pathname === '/index.html') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      return res.end(INDEX);
    }
    if (url.pathname === '/data.json') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      return res.end(JSON.stringify({ ok: true, items: [1, 2, 3], text: 'ünïcödé' }));
    }
    if (url.pathname === '/private') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      return res.end(PRIVATE);
    }
    if (url.pathname === '/private.js') {
      res.writeHead(200, { 'Content-Type': 'text/javascript' });
      return res.end(PRIVATE_JS);
    }
    if (url.pathname === '/creds') {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Set-Cookie': `sid=${CREDS.setCookie}; Path=/` });
      return res.end('{"ok":true}');
    }
    if (url.pathname === '/frames') {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      return res.end(framesPage(server.address().port));
    }
    if (url.pathname === '/frame') {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      return res.end(FRAME);
    }
    if (url.pathname === '/worker.js') {
      res.writeHead(200, { 'Content-Type': 'text/javascript' });
      return res.end(WORKER);
    }
    if (url.pathname === '/other') {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      return res.end(OTHER);
    }
    if (url.pathname === '/quiet') {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      return res.end('<!doctype html><title>quiet</title><p>nothing happens here</p>');
    }
    if (url.pathname === '/many') {
      const n = Number(url.searchParams.get('n') || 200);
      let body = '<!doctype html><title>many</title>';
      for (let i = 0; i < n; i++) body += `<img src="/px/${i}.gif" width=1 height=1>`;
      res.writeHead(200, { 'Content-Type': 'text/html' });
      return res.end(body);
    }
    if (url.pathname.startsWith('/px/')) {
      // A 1x1 GIF.
      const gif = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
      res.writeHead(200, { 'Content-Type': 'image/gif', 'Cache-Control': 'no-store' });
      return res.end(gif);
    }
    if (url.pathname === '/noop') {
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': '2' });
      return res.end('ok');
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not found');
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  // Chromium keeps idle connections open: close them, or server.close() waits for them.
  const close = () => new Promise((r) => { server.close(r); server.closeAllConnections(); });
  return { url: `http://127.0.0.1:${server.address().port}`, close };
}

// The proxy (real cdp-proxy with its hub) against Chromium at upstreamPort; returns the
// harness's proxy plus hub (its URL).
async function startProxyWithHub(args) {
  const proxy = await h.startProxy(args);
  proxy.hub = /telemetry hub on (http:\/\/[^\s]+)/.exec(proxy.stderr())[1];
  return proxy;
}

async function telemetry(hub, method, body) {
  const res = await fetch(`${hub}/telemetry`, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = text; }
  return { status: res.status, body: json };
}

const browserConfig = (...cats) => ({ browser: Object.fromEntries(cats.map((c) => [c, { enabled: true }])) });

const BROWSER_CONTENT = new Set(['console', 'network', 'page', 'interaction', 'screenshot']);

module.exports = { SECRET, TYPED, CREDS, startSite, startProxyWithHub, telemetry, browserConfig, BROWSER_CONTENT };

// A browser-level CDP socket through the proxy (the harness's raw ws client).
async function browserSocket(proxyUrl) {
  const v = await (await fetch(`${proxyUrl}/json/version`)).json();
  return h.openSocket(v.webSocketDebuggerUrl);
}

const rendererPids = async (ws) =>
  (await h.command(ws, 'SystemInfo.getProcessInfo')).processInfo.filter((p) => p.type === 'renderer').map((p) => p.id);

// Creates a page target at url and returns {targetId, pids}: the renderer processes that
// appeared with it (Chromium may start a spare renderer at the same time).
async function newTargetWithRenderers(ws, url) {
  const before = new Set(await rendererPids(ws));
  const { targetId } = await h.command(ws, 'Target.createTarget', { url });
  let pids = [];
  await h.waitFor('the new renderer', async () => {
    pids = (await rendererPids(ws)).filter((p) => !before.has(p));
    return pids.length > 0;
  }, 10000, 100);
  return { targetId, pids };
}

Object.assign(module.exports, { browserSocket, rendererPids, newTargetWithRenderers });
