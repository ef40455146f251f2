'use strict';
// Issue 7: the bulk workloads side by side in one run, medians of repeated runs in this process.
// Columns: vnetkit (in process; its event-loop delay p99 is recorded, and beside it an idle
// process's while the C floor does the same work), vnetkit as a whole process
// (Node start-up included), `ip` spawned per operation, `ip -batch`, and the C floor (bench/floor)
// one request at a time, and with the group delete. Writes bench/results/bulk.json.
const { execFileSync } = require('node:child_process');
const { mkdirSync, readdirSync } = require('node:fs');
const { join } = require('node:path');
const { execFile$, median, saveResults, settle, startedHistogram } = require('./stats');
const vnetkit = require('./workloads/vnetkit');
const { perOp, batched } = require('./workloads/iproute');

const SIZES = (process.env.BENCH_SIZES || '100,1000').split(',').map(Number);
const RUNS = Number(process.env.BENCH_RUNS || 3);
// `ip` per operation at N = 1,000 takes ~20-30 s a run (each delete waits ~20 ms): fewer runs.
const SLOW_RUNS = Number(process.env.BENCH_SLOW_RUNS || 1);
const WORKLOADS = (process.env.BENCH_WORKLOADS || 'w1,w2,w3,w4').split(',');
// BENCH_QUICK=1: only vnetkit and the C floor, for quick A/B runs while working (not the figures
// reported: those come from a full run).
const QUICK = process.env.BENCH_QUICK === '1';

function floorBinary() {
  const out = join(__dirname, 'out');
  mkdirSync(out, { recursive: true });
  const bin = join(out, 'floor');
  execFileSync('cc', ['-O2', '-o', bin, join(__dirname, 'floor', 'floor.c')]);
  return bin;
}

function summarize(samples) {
  const pick = (k) => median(samples.map((s) => s[k]));
  return { createMs: pick('createMs'), deleteMs: pick('deleteMs'), totalMs: median(samples.map((s) => s.createMs + s.deleteMs)), samples };
}

async function medianOf(runs, fn) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    samples.push(await fn(i));
    await settle(); // let the kernel finish async teardown between runs
  }
  return summarize(samples);
}

const fds = () => readdirSync('/proc/self/fd').length;

exports.run = async function run() {
  const floor = floorBinary();
  const results = [];
  for (const n of SIZES) {
    for (const w of WORKLOADS) {
      const row = { workload: w, n };
      // One untimed run first: the figures are a long-lived process's (JIT-compiled code); the whole-
      // process column below shows a cold start.
      await vnetkit[w](n).catch(() => undefined);
      await settle();
      // vnetkit and the C floor (group delete) take turns, run by run, so that whatever the kernel
      // is still doing after the previous workload (its teardown goes on in kworkers after the
      // requests return) falls on both alike: measured one block after the other, the block that
      // came first was up to 2x slower in some runs. Each vnetkit run gets its own event-loop
      // histogram (a re-enabled one would count the floor's blocking run as one long delay).
      const p99s = [];
      const mem = [];
      const vkSamples = [];
      const floorSamples = [];
      const c = (mode, batch) => () => JSON.parse(execFileSync(floor, [w, String(n), mode, String(batch)], { encoding: 'utf8' }));
      // The C floor's in-turn runs are also the event loop's floor: this process only runs its
      // timers while the floor does the same kernel work from another process.
      const floorP99s = [];
      const cMeasured = async () => {
        // Spawning blocks this thread for a while (fork of a big process): the floor starts its
        // work 20 ms later, once the histogram is ticking.
        const run = execFile$('sh', ['-c', 'sleep 0.02 && exec "$0" "$@"', floor, w, String(n), 'group', '16']);
        const h = await startedHistogram();
        try {
          return JSON.parse((await run).stdout);
        } finally {
          h.disable();
          floorP99s.push(h.percentile(99) / 1e6);
        }
      };
      let vkError;
      for (let i = 0; i < RUNS && !vkError; i++) {
        const h = await startedHistogram();
        try {
          vkSamples.push(await vnetkit[w](n));
        } catch (e) {
          vkError = e;
        } finally {
          h.disable();
        }
        p99s.push(h.percentile(99) / 1e6);
        global.gc?.();
        mem.push({ rss: process.memoryUsage().rss, fds: fds() });
        await settle();
        floorSamples.push(await cMeasured());
        await settle();
      }
      row.vnetkit = vkError ? { error: vkError.message } : summarize(vkSamples);
      row.cGroup = summarize(floorSamples);
      row.eventLoopP99Ms = median(p99s); // median of the runs' p99s; all of them in eventLoopP99sMs
      row.eventLoopP99sMs = p99s;
      row.floorEventLoopP99Ms = median(floorP99s); // an idle process beside the C floor's runs
      row.floorEventLoopP99sMs = floorP99s;
      row.memory = mem;
      if (w === 'w3' && !QUICK) {
        // The same work pair by pair (each end up as soon as it is made): see workloads/vnetkit.js.
        row.vnetkitOnePass = await medianOf(SLOW_RUNS, () => vnetkit.w3OnePass(n)).catch((e) => ({ error: e.message }));
      }
      if (w === 'w4') {
        // The taps made without a group and torn down with Link.deleteMany (see workloads/vnetkit.js).
        row.vnetkitDeleteMany = await medianOf(RUNS, () => vnetkit.w4DeleteMany(n)).catch((e) => ({ error: e.message }));
      }
      if (!QUICK) try {
        row.vnetkitProcess = await medianOf(RUNS, async () => {
          const t = process.hrtime.bigint();
          execFileSync(process.execPath, [join(__dirname, 'workloads', 'vnetkit.js'), w, String(n)]);
          const ms = Number(process.hrtime.bigint() - t) / 1e6;
          return { createMs: ms, deleteMs: 0 };
        });
      } catch (e) {
        row.vnetkitProcess = { error: e.message };
      }
      if (!QUICK) {
        row.ipBatch = await medianOf(RUNS, () => batched[w](n));
        row.ipPerOp = await medianOf(n >= 1000 ? SLOW_RUNS : RUNS, () => perOp[w](n));
      }
      row.cOneByOne = await medianOf(RUNS, c('onebyone', 1));
      results.push(row);
      print(row);
    }
  }
  console.log(`\nresults: ${saveResults('bulk', { RUNS, SLOW_RUNS, results })}`);
};

const fmt = (r) => (r && r.totalMs !== undefined ? `${r.totalMs.toFixed(0)} ms` : 'n/a');
function print(row) {
  const v = row.vnetkit.totalMs;
  const ratio = (r) => (r && r.totalMs !== undefined && v ? ` (${(r.totalMs / v).toFixed(1)}x)` : '');
  console.log(
    `\n${row.workload.toUpperCase()} N=${row.n}: vnetkit ${fmt(row.vnetkit)} [create ${row.vnetkit.createMs?.toFixed(0)} + delete ${row.vnetkit.deleteMs?.toFixed(0)}], ` +
      `event-loop p99 ${row.eventLoopP99Ms.toFixed(2)} ms (runs: ${row.eventLoopP99sMs.map((x) => x.toFixed(1)).join(' ')}; an idle process beside the C floor: ` +
      `${row.floorEventLoopP99Ms.toFixed(2)} ms, runs: ${row.floorEventLoopP99sMs.map((x) => x.toFixed(1)).join(' ')}), whole process ${fmt(row.vnetkitProcess)}`,
  );
  const mib = (b) => (b / 1048576).toFixed(1);
  if (row.memory.length) {
    console.log(`  vnetkit runs: RSS ${row.memory.map((m) => mib(m.rss)).join(' -> ')} MiB, fds ${row.memory.map((m) => m.fds).join(' -> ')}`);
  }
  if (row.vnetkitOnePass) console.log(`  vnetkit pair by pair (each end up as soon as made): ${fmt(row.vnetkitOnePass)}`);
  if (row.vnetkitDeleteMany) console.log(`  vnetkit without a device group, Link.deleteMany: ${fmt(row.vnetkitDeleteMany)} [create ${row.vnetkitDeleteMany.createMs?.toFixed(0)} + delete ${row.vnetkitDeleteMany.deleteMs?.toFixed(0)}]`);
  console.log(`  ip per op ${fmt(row.ipPerOp)}${ratio(row.ipPerOp)} | ip -batch ${fmt(row.ipBatch)}${ratio(row.ipBatch)} | C one-by-one ${fmt(row.cOneByOne)}${ratio(row.cOneByOne)} | C floor (group delete) ${fmt(row.cGroup)}${ratio(row.cGroup)}`);
}
