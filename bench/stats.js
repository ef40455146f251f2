'use strict';
// Small helpers shared by the benchmarks: medians, timers, running `ip`, and the results file.
const { execFile } = require('node:child_process');
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
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

function saveResults(name, data) {
  const dir = join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), node: process.version, ...data }, null, 2));
  return file;
}

module.exports = { median, now, ip, repeat, saveResults };
