'use strict';
// Small helpers shared by the benchmarks: medians, timers, running `ip`, waiting for a quiet
// machine, and the results file.
const { execFile } = require('node:child_process');
const { mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { monitorEventLoopDelay } = require('node:perf_hooks');
const { promisify } = require('node:util');

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const now = () => Number(process.hrtime.bigint()) / 1e3; // µs
const execFile$ = promisify(execFile);
/** Spawns `ip` once, as a Node program that shells out would. */
const ip = (...args) => execFile$('ip', args);

/** Runs `fn` `runs` times; returns the median wall time in ms and all samples. */
async function repeat(runs, fn) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const t = now();
    await fn(i);
    samples.push((now() - t) / 1e3);
  }
  return { ms: median(samples), samples };
}

const cpuTimes = () => {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return { idle: f[3] + f[4], total: f.reduce((a, b) => a + b, 0) };
};
/**
 * Waits until the machine is quiet: deleting a namespace returns at once and the kernel tears its
 * devices down later in a kworker (cleanup_net), which would otherwise eat into the next measurement
 * (perf showed 15% of a following run's samples in it). Quiet = three 100 ms windows in a row
 * >= 90% idle (teardown sleeps in RCU grace periods between bursts, so one quiet window says little).
 */
async function settle(maxMs = 20_000) {
  const end = Date.now() + maxMs;
  let quiet = 0;
  while (quiet < 3 && Date.now() < end) {
    const a = cpuTimes();
    await new Promise((r) => setTimeout(r, 100));
    const b = cpuTimes();
    quiet = (b.idle - a.idle) / Math.max(1, b.total - a.total) >= 0.9 ? quiet + 1 : 0;
  }
}

function saveResults(name, data) {
  const dir = join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), node: process.version, ...data }, null, 2));
  return file;
}

/**
 * An event-loop delay histogram that has ticked once: its first tick only starts its clock, so a
 * block right at the start of the work (a burst's calls all made in one go) would not be counted.
 */
async function startedHistogram() {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  await new Promise((r) => setTimeout(r, 5));
  return h;
}

module.exports = { execFile$, median, now, ip, repeat, saveResults, settle, startedHistogram };
