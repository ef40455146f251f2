#!/usr/bin/env node
// CPU time of each thread of this process (utime + stime from /proc/self/task/TID/stat) over a
// bulk workload of bench/workloads/vnetkit.js, run 4 times after one warm-up. The namespace thread
// is the busy one in W4 (compare with `floor w4job`, bench/floor), the I/O thread in W1-W3.
//   npm run build && unshare --net --mount node bench/diag/thread-cpu.js w4 1000
'use strict';
const { readdirSync, readFileSync } = require('node:fs');
const workloads = require('../workloads/vnetkit.js');

const [w = 'w4', n = '1000'] = process.argv.slice(2);
const TICK_MS = 1000 / 100; // USER_HZ

function cpuByThread() {
  const out = {};
  for (const tid of readdirSync('/proc/self/task')) {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    out[tid] = (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  }
  return out;
}

(async () => {
  await workloads[w](Number(n));
  for (let run = 0; run < 4; run++) {
    const before = cpuByThread();
    const times = await workloads[w](Number(n));
    const after = cpuByThread();
    const used = Object.keys(after)
      .map((tid) => [tid === String(process.pid) ? 'main' : tid, after[tid] - (before[tid] ?? 0)])
      .filter(([, ms]) => ms > 0)
      .map(([tid, ms]) => `${tid}=${ms} ms`);
    console.log(JSON.stringify(times), used.join(' '));
  }
})();
