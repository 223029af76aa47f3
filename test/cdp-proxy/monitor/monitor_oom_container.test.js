// The page_crashed <-> system_oom_kill link inside a container, where every producer sees the
// container's pids: one podman container (--memory 640m, no /dev/kmsg, cgroupfs read-only) runs
// Debian's Chromium, cdp-proxy with its hub and monitor, and kmsgmon (the OOM counter of the
// container's cgroup, the victim from its own /proc). No image is built: the container's root
// file system is an overlay of the host's (--rootfs /:O) with the build directory bound in.
// A page allocates until the kernel kills its renderer. Expected: one system_oom_kill of that
// renderer (detected_by cgroup) and the page's page_crashed, both with the renderer's pid as the
// container sees it (which is not its pid on the host), linked by that pid. Published events do
// not change, so the link is on the later one. Usage: monitor_oom_container.test.js MODE
//   wait     the default --crash-oom-wait: the crash waits for the kill, page_crashed.oom_kill_seq
//            is the kill's seq (oom_link "pid");
//   late     kmsgmon is stopped (SIGSTOP) over the kill and resumed once the page_crashed is
//            published (a starved kmsgmon, slower than the wait): the crash carries no
//            oom_kill_seq, and the kill's page_crashed_seq is the crash's seq.
// Exit 77 (skip) where podman cannot run containers here.
'use strict';
const fs = require('fs');
const path = require('path');
const { spawn, spawnSync } = require('child_process');
const h = require('../../integration/lib/proxy_harness');
const m = require('../../integration/lib/monitor_harness');

h.requirePrerequisites();
const MODE = process.argv[2];
if (MODE !== 'wait' && MODE !== 'late') throw new Error('usage: monitor_oom_container.test.js wait|late');

const PODMAN = ['--runtime', 'runc', '--cgroup-manager=cgroupfs'];
const LIMIT = 640 * 1024 * 1024;
const RUN = ['run', '--rm', '--network', 'host', '--ulimit', 'nofile=1024:1024',
  '--ulimit', 'nproc=1024:1024'];

function podman(args, timeout = 60000) {
  return spawnSync('podman', [...PODMAN, ...args], { encoding: 'utf8', timeout });
}

// The host pid of the process that is `pid` in another pid namespace (NSpid's last field).
function hostPidOf(pid) {
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const ns = /^NSpid:\s+(.*)$/m.exec(fs.readFileSync(`/proc/${d}/status`, 'utf8'))[1].split(/\s+/);
      if (ns.length > 1 && Number(ns[ns.length - 1]) === pid && /chromium/.test(fs.readFileSync(`/proc/${d}/comm`, 'utf8')))
        return Number(d);
    } catch {}
  }
  return null;
}

// The host pid of the container's kmsgmon: a child of the container's shell.
function kmsgmonHostPid(name) {
  const init = Number(podman(['inspect', '--format', '{{.State.Pid}}', name]).stdout.trim());
  const kids = fs.readFileSync(`/proc/${init}/task/${init}/children`, 'utf8').trim().split(/\s+/).map(Number);
  return kids.find((k) => { try { return fs.readFileSync(`/proc/${k}/comm`, 'utf8').trim() === 'kmsgmon'; } catch { return false; } });
}

async function main() {
  const kmsgmonExe = process.env.KMSGMON;
  const proxyExe = process.env.CDP_PROXY;
  if (!kmsgmonExe || !fs.existsSync(kmsgmonExe)) h.skip('KMSGMON is not set or not built');
  if (process.getuid() !== 0) h.skip('needs root for podman');
  const probe = podman([...RUN, '--rootfs', '/:O', '/bin/echo', 'ok'], 120000);
  if (probe.error || (probe.stdout || '').trim() !== 'ok')
    h.skip(`podman cannot run containers here: ${(probe.stderr || String(probe.error)).trim().slice(0, 300)}`);

  const [chromePort, proxyPort, hubPort] = [await h.freePort(), await h.freePort(), await h.freePort()];
  const hub = `http://127.0.0.1:${hubPort}`;
  const site = await m.startSite();
  const name = `faultline-oom-link-${process.pid}`;
  const binds = [...new Set([path.dirname(path.dirname(path.resolve(kmsgmonExe))), path.dirname(path.dirname(path.resolve(proxyExe)))])];
  const script = [
    'export HOME=/tmp',
    `/usr/bin/chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking --disable-component-update --disable-sync --disable-dev-shm-usage --user-data-dir=/tmp/chromium --remote-debugging-port=${chromePort} about:blank 2>/dev/null &`,
    `${proxyExe} --cdp-listen 127.0.0.1:${proxyPort} --api-listen 127.0.0.1:${hubPort} --data-dir '' --upstream 127.0.0.1:${chromePort} &`,
    `${kmsgmonExe} --hub ${hub} --no-pressure &`,
    'wait',
  ].join('\n');
  let out = '';
  // podman's conmon writes a file "oom" into its working directory when the container sees an
  // OOM kill: give it one of its own.
  const cwd = h.tmpDir('faultline-oom-container-');
  const c = spawn('podman', [...PODMAN, ...RUN, '--name', name, '--memory', String(LIMIT),
    '--memory-swap', String(LIMIT), ...binds.flatMap((b) => ['-v', `${b}:${b}`]),
    '--rootfs', '/:O', '/bin/sh', '-c', script], { stdio: ['ignore', 'pipe', 'pipe'], cwd });
  c.stdout.on('data', (d) => { out += d; });
  c.stderr.on('data', (d) => { out += d; });
  const events = [];
  const waitEvent = (what, pred, ms) => h.waitFor(what, () => events.find(pred), ms, 50);
  let ws;
  await h.run([
    ['Chromium, cdp-proxy (hub, monitor) and kmsgmon run in one container', async () => {
      await h.waitFor('the monitor to attach', () => /monitor: attached to ws:/.test(out), 60000, 100);
      await h.waitFor('kmsgmon to watch the container\'s cgroup', () => /kmsgmon: watching: OOM counter/.test(out), 15000, 100);
      h.check(/read every second/.test(out), `kmsgmon reads the counter of a read-only cgroupfs: ${out}`);
      await h.followHub(hub, events);
    }],
    ['the kernel kills the renderer; page_crashed and system_oom_kill name each other and the container\'s pid', async () => {
      ws = await m.browserSocket(`http://127.0.0.1:${proxyPort}`);
      const url = `${site.url}/quiet`;
      const { targetId } = await m.newTargetWithRenderers(ws, url);
      await h.sleep(1500);  // kmsgmon's table has seen the renderer (it refreshes every second)
      // Every renderer (the page may have taken the spare one started before it).
      const pids = await m.rendererPids(ws);
      const hostPids = Object.fromEntries(pids.map((p) => [p, hostPidOf(p)]));
      const late = MODE === 'late' ? kmsgmonHostPid(name) : 0;
      if (MODE === 'late') {
        h.check(late > 0, 'found the container\'s kmsgmon');
        process.kill(late, 'SIGSTOP');
      }
      const { sessionId } = await h.command(ws, 'Target.attachToTarget', { targetId, flatten: true });
      h.command(ws, 'Runtime.evaluate', {
        expression: 'const keep = []; for (let i = 0; i < 2048; i++) { const b = new Uint8Array(1 << 20); b.fill(i & 255); keep.push(b); } keep.length',
      }, sessionId).catch(() => {});  // the renderer dies before it answers
      const crash = await waitEvent('page_crashed', (e) => e.type === 'page_crashed' && e.data.target_id === targetId, 45000);
      if (late) {
        h.check(!events.some((e) => e.type === 'system_oom_kill'), 'no kill reported while kmsgmon was stopped');
        process.kill(late, 'SIGCONT');
      }
      const kill = await waitEvent('system_oom_kill', (e) => e.type === 'system_oom_kill', 15000);
      await h.sleep(3000);  // nothing else is killed meanwhile
      const kills = events.filter((e) => e.type === 'system_oom_kill');
      h.equal(kills.length, 1, `one kill (${JSON.stringify(kills.map((k) => k.data))})`);
      h.equal(kill.data.detected_by, 'cgroup', 'the container\'s own OOM counter');
      h.equal(kill.data.process_name, 'chromium', 'the renderer\'s comm');
      h.check(pids.includes(kill.data.pid), `the kill's pid ${kill.data.pid} is the page's renderer (${pids})`);
      h.equal(crash.data.renderer_pid, kill.data.pid, 'renderer_pid is the pid kmsgmon reported');
      const host = hostPids[kill.data.pid];
      h.check(host && host !== kill.data.pid, `pid ${kill.data.pid} is the container's (on the host: ${host})`);
      const both = `crash seq ${crash.seq} ${JSON.stringify(crash.data)}; kill seq ${kill.seq} ${JSON.stringify(kill.data)}`;
      const forward = MODE === 'wait';
      if (forward) {
        h.check(crash.data.oom_kill_seq === kill.seq && crash.data.oom_link === 'pid', `page_crashed links the kill: ${both}`);
        h.equal(crash.data.oom_anon_rss_kb, kill.data.anon_rss_kb, 'the renderer\'s memory as kmsgmon last saw it');
      } else {
        h.check(crash.data.oom_kill_seq === undefined, `the crash was published unlinked: ${both}`);
        h.check(crash.seq < kill.seq && kill.data.page_crashed_seq === crash.seq, `system_oom_kill links the crash: ${both}`);
      }
      h.check(!/schema violation:/.test(out), `the hub logged a schema violation: ${out}`);
      console.log(`# renderer ${kill.data.pid} (host pid ${host}) killed; ${forward ? `page_crashed.oom_kill_seq = ${kill.seq}` : `system_oom_kill.page_crashed_seq = ${crash.seq}`}`);
    }],
  ], async () => {
    if (ws) ws.close();
    podman(['kill', name]);
    await Promise.race([new Promise((r) => c.on('exit', r)), h.sleep(20000)]);
    await site.close();
    fs.rmSync(cwd, { recursive: true, force: true });
  });
}

main();
