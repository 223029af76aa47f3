// The real cdp-proxy refuses an open door: a non-loopback --cdp-listen or --api-listen without
// --token exits 2 naming --token and --allow-unauthenticated; the opt-out (flag or environment
// twin) starts with one warning line; /healthz and /metrics say the CDP endpoint is
// unauthenticated; --token (or FAULTLINE_TOKEN) and loopback-only starts need nothing more.
'use strict';
const { spawn, spawnSync } = require('child_process');
const h = require('../../integration/lib/proxy_harness');

const CDP_PROXY = process.env.CDP_PROXY;
if (!CDP_PROXY) h.skip('CDP_PROXY is not set (run through meson test)');
const clean = { ...process.env };
for (const k of Object.keys(clean)) if (k.startsWith('FAULTLINE_')) delete clean[k];

function refuse(args, env = {}) {
  const r = spawnSync(CDP_PROXY, ['--data-dir', '', '--upstream', '127.0.0.1:1', ...args],
    { env: { ...clean, ...env }, encoding: 'utf8', timeout: 10000 });
  return { code: r.status, out: r.stdout + r.stderr };
}

// Starts it, reads /healthz and /metrics, stops it; resolves what it said.
async function start(args, env = {}) {
  const api = await h.freePort();
  const proc = spawn(CDP_PROXY, ['--data-dir', '', '--upstream', '127.0.0.1:1', '--api-listen', `127.0.0.1:${api}`, ...args],
    { env: { ...clean, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((r) => proc.on('exit', (code) => r(code)));
  try {
    await h.waitFor('the proxy to listen', () => /CDP proxy listening/.test(stderr), 10000, 20);
    const health = await h.getJson(`http://127.0.0.1:${api}/healthz`);
    const metrics = await (await fetch(`http://127.0.0.1:${api}/metrics`)).text();
    return { health: health.body, metrics, stderr };
  } finally {
    proc.kill('SIGTERM');
    h.equal(await exited, 0, 'exit code after SIGTERM');
  }
}

const unauth = (m) => Number((/^faultline_cdp_unauthenticated (\d)$/m.exec(m) || [])[1]);

const steps = [
  ['a non-loopback listener without --token exits 2, naming --token and the opt-out', async () => {
    for (const args of [['--cdp-listen', '0.0.0.0:0'], ['--cdp-listen', '127.0.0.1:0', '--api-listen', '0.0.0.0:0'], []]) {
      const r = refuse(args);
      h.equal(r.code, 2, `exit code for ${args.join(' ') || '(defaults: --cdp-listen 0.0.0.0:9222)'}`);
      h.check(/--token/.test(r.out) && /--allow-unauthenticated/.test(r.out) && /FAULTLINE_TOKEN/.test(r.out), r.out);
    }
  }],
  ['--allow-unauthenticated and FAULTLINE_ALLOW_UNAUTHENTICATED start it with one warning; health and metrics say so', async () => {
    for (const [args, env] of [[['--allow-unauthenticated'], {}], [[], { FAULTLINE_ALLOW_UNAUTHENTICATED: '1' }]]) {
      const r = await start(['--cdp-listen', '0.0.0.0:0', ...args], env);
      const warnings = r.stderr.split('\n').filter((l) => /warning/.test(l));
      h.equal(warnings.length, 1, `one warning line: ${r.stderr}`);
      h.check(/--allow-unauthenticated/.test(warnings[0]) && /0\.0\.0\.0/.test(warnings[0]), warnings[0]);
      h.equal(r.health.cdp_unauthenticated, true, '/healthz');
      h.equal(unauth(r.metrics), 1, '/metrics');
    }
  }],
  ['--token or FAULTLINE_TOKEN: no warning, authenticated', async () => {
    for (const [args, env] of [[['--token', 't0ken'], {}], [[], { FAULTLINE_TOKEN: 't0ken' }]]) {
      const r = await start(['--cdp-listen', '0.0.0.0:0', ...args], env);
      h.check(!/warning/.test(r.stderr), r.stderr);
      h.equal(r.health.cdp_unauthenticated, false, '/healthz');
      h.equal(unauth(r.metrics), 0, '/metrics');
    }
  }],
  ['loopback only (run-local.sh): starts as before, no warning, reported unauthenticated', async () => {
    const r = await start(['--cdp-listen', '127.0.0.1:0']);
    h.check(!/warning/.test(r.stderr), r.stderr);
    h.equal(r.health.cdp_unauthenticated, true, '/healthz');
    h.equal(unauth(r.metrics), 1, '/metrics');
  }],
];

h.run(steps, async () => {});
