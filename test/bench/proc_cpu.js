// CPU time from /proc for the benchmarks: utime + stime of a stat file (a process or a thread),
// of a process, and of a process with all its descendants, in milliseconds.
'use strict';
const fs = require('fs');

const USER_HZ = 100;  // the clock ticks /proc counts in, on Linux

// utime + stime of one /proc/<pid>[/task/<tid>]/stat, in ms (fields after the comm, which may
// itself hold ") ").
function statCpuMs(statPath) {
  const stat = fs.readFileSync(statPath, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / USER_HZ;
}

const processCpuMs = (pid) => statCpuMs(`/proc/${pid}/stat`);

// The process and its descendants so far, in ms; a process that went meanwhile counts nothing.
function treeCpuMs(pid) {
  let ms = 0;
  const walk = (p) => {
    try {
      ms += processCpuMs(p);
      for (const t of fs.readdirSync(`/proc/${p}/task`))
        for (const c of fs.readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').split(' ').filter(Boolean)) walk(c);
    } catch { /* gone */ }
  };
  walk(pid);
  return ms;
}

module.exports = { statCpuMs, processCpuMs, treeCpuMs };
