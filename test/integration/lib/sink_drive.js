// Runs test/cdp-proxy/hub/sinks/sink_drive (a sink's writer behind a persisted cursor) as a child
// process. child.done resolves with { code, signal, stats, stderr } when it exits: stats is its
// last stdout line parsed as JSON (null when it printed none); child.stderrText() reads stderr
// so far.
'use strict';
const { spawn } = require('child_process');

function startDrive(drive, args) {
  const child = spawn(drive, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  child.done = new Promise((resolve) => child.on('exit', (code, signal) => {
    let stats = null;
    try {
      stats = JSON.parse(out.trim().split('\n').pop());
    } catch {}
    resolve({ code, signal, stats, stderr: err });
  }));
  child.stderrText = () => err;
  return child;
}

module.exports = { startDrive };
