// Pages for the monitor's robustness tests, served on 127.0.0.1:<free port>:
//   /big    keeps 96 MiB of touched memory, so its renderer is the one that grows by that much
//           (the tests tell it from Chromium's other renderers, such as the spare, by RSS);
//   /hung   one image that is never answered, so the load event never fires;
//   /never  the request that never answers.
'use strict';
const fs = require('fs');
const http = require('http');

const BIG = `<!doctype html><title>big</title><script>
  window.keep = [];
  for (let i = 0; i < 96; i++) { const b = new Uint8Array(1 << 20); b.fill(i & 255 | 1); window.keep.push(b); }
</script><p>big</p>`;
const HUNG = '<!doctype html><title>hung</title><p>waiting</p><img src="/never">';

async function startRobustSite() {
  const hung = new Set();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/big') {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      return res.end(BIG);
    }
    if (url.pathname === '/hung') {
      res.writeHead(200, { 'Content-Type': 'text/html', 'Cache-Control': 'no-store' });
      return res.end(HUNG);
    }
    if (url.pathname === '/never') return hung.add(res);  // no answer, ever
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not found');
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const close = () => new Promise((r) => {
    for (const res of hung) res.destroy();
    server.close(r);
    server.closeAllConnections();
  });
  return { url: `http://127.0.0.1:${server.address().port}`, close };
}

// Resident memory of a process in KiB (0 when it is gone).
function rssKb(pid) {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

module.exports = { startRobustSite, rssKb };
