// A page crash linked to the kernel OOM kill that caused it, with the real kmsgmon publishing
// to the real hub: the page's renderer is moved into a memory cgroup this test creates
// (150 MiB), the page allocates 400 MiB, the kernel kills the renderer; kmsgmon reports
// system_oom_kill and the monitor's page_crashed carries the killed pid as renderer_pid and
// oom_kill_seq = that event's seq, linked by that pid (oom_link "pid").
// Exit 77 (skip) where memory cgroups are not writable, /dev/kmsg is not readable or kmsgmon is
// not built.
'use strict';
const fs = require('fs');
const path = require('path');
const { spawn } = require('child_process');
const h = require('../../integration/lib/proxy_harness');
const m = require('../../integration/lib/monitor_harness');

h.requirePrerequisites();

// A v1 (memory.limit_in_bytes) or v2 (memory.max) memory cgroup with this limit, or a skip.
function memoryCgroup(name, bytes) {
  const v2 = '/sys/fs/cgroup';
  let dir;
  try {
    if (fs.existsSync(`${v2}/cgroup.controllers`) &&
        fs.readFileSync(`${v2}/cgroup.controllers`, 'utf8').split(/\s+/).includes('memory')) {
      dir = `${v2}/${name}`;
      fs.mkdirSync(dir);
      fs.writeFileSync(`${dir}/memory.max`, String(bytes));
      try { fs.writeFileSync(`${dir}/memory.swap.max`, '0'); } catch {}
    } else if (fs.existsSync('/sys/fs/cgroup/memory')) {
      dir = `/sys/fs/cgroup/memory/${name}`;
      fs.mkdirSync(dir);
      fs.writeFileSync(`${dir}/memory.limit_in_bytes`, String(bytes));
      try { fs.writeFileSync(`${dir}/memory.memsw.limit_in_bytes`, String(bytes)); } catch {}
    } else {
      h.skip('no memory cgroup controller (v2 memory or v1 /sys/fs/cgroup/memory)');
    }
  } catch (e) {
    h.skip(`memory cgroups are not writable here: ${e.message}`);
  }
  return dir;
}

function removeCgroup(dir) {
  for (let i = 0; i < 50; i++) {
    try {
      for (const pid of fs.readFileSync(`${dir}/cgroup.procs`, 'utf8').split('\n').filter(Boolean))
        try { process.kill(Number(pid), 'SIGKILL'); } catch {}
      fs.rmdirSync(dir);
      return;
    } catch {}
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
  }
}

async function main() {
  const kmsgmonExe = process.env.KMSGMON;
  if (!kmsgmonExe || !fs.existsSync(kmsgmonExe)) h.skip('KMSGMON is not set or not built');
  try { fs.closeSync(fs.openSync('/dev/kmsg', 'r')); } catch (e) { h.skip(`/dev/kmsg is not readable: ${e.message}`); }
  const cg = memoryCgroup(`faultline-monitor-oom-${process.pid}`, 150 * 1024 * 1024);
  const dir = h.tmpDir('faultline-monitor-oom-');
  const chromePort = await h.freePort();
  const chrome = await h.startChromium({ port: chromePort, logFile: path.join(dir, 'chromium.log') });
  const site = await m.startSite();
  const proxy = await m.startProxyWithHub(['--upstream', `127.0.0.1:${chromePort}`]);
  const kmsgmon = spawn(kmsgmonExe, ['--no-pressure', '--no-oom-protect', '--hub', proxy.hub],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  let kmsgErr = '';
  kmsgmon.stderr.on('data', (d) => { kmsgErr += d; });
  let ws;
  await h.run([
    ['the monitor attaches and kmsgmon runs', async () => {
      await h.waitFor('monitor attached', () => /monitor: attached to ws:/.test(proxy.stderr()), 15000);
      await h.sleep(500);  // kmsgmon has opened /dev/kmsg
      h.check(kmsgmon.exitCode === null, `kmsgmon exited: ${kmsgErr}`);
    }],
    ['the kernel kills the renderer; page_crashed names the system_oom_kill', async () => {
      ws = await m.browserSocket(proxy.url);
      const url = `${site.url}/quiet`;
      const { targetId, pids } = await m.newTargetWithRenderers(ws, url);
      await h.sleep(800);
      // Every renderer that is not the first tab's: ours, and possibly a spare.
      const all = await m.rendererPids(ws);
      for (const pid of all) fs.writeFileSync(`${cg}/cgroup.procs`, String(pid));
      const { sessionId } = await h.command(ws, 'Target.attachToTarget', { targetId, flatten: true });
      h.command(ws, 'Runtime.evaluate', {
        expression: 'const keep = []; for (let i = 0; i < 400; i++) { const b = new Uint8Array(1 << 20); b.fill(i & 255); keep.push(b); } keep.length',
      }, sessionId).catch(() => {});  // the renderer dies before it answers
      const kill = await proxy.waitEvent('system_oom_kill', (e) => e.type === 'system_oom_kill' && all.includes(e.data.pid), 30000);
      h.equal(kill.data.process_name, 'chromium', 'the renderer comm');
      const crash = await proxy.waitEvent('page_crashed', (e) => e.type === 'page_crashed' && e.data.target_id === targetId, 15000);
      h.equal(crash.data.url, url, 'url');
      h.equal(crash.data.renderer_pid, kill.data.pid, 'renderer_pid is the pid the kernel killed');
      h.equal(crash.data.oom_kill_seq, kill.seq, 'oom_kill_seq is the kill event\'s seq');
      h.equal(crash.data.oom_link, 'pid', 'linked by the renderer\'s pid, not by the recent-kill fallback');
      h.equal(crash.data.oom_anon_rss_kb, kill.data.anon_rss_kb, 'anonymous memory of the renderer');
      h.check(/because the kernel OOM killer killed its renderer/.test(crash.data.message), crash.data.message);
      console.log(`# ${crash.data.message} (pids created with the page: ${pids})`);
    }],
  ], async () => {
    if (ws) ws.close();
    kmsgmon.kill('SIGTERM');
    await proxy.stop();
    await site.close();
    await chrome.kill();
    removeCgroup(cg);
  });
}

main();
