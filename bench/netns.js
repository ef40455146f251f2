'use strict';
// Issue 3: create + delete of 100 named namespaces, vnetkit vs spawning `ip netns add/del` per
// namespace from Node. Medians of RUNS runs, side by side in this one process.
const { Namespace } = require('..');
const { ip, repeat, saveResults } = require('./stats');

const N = Number(process.env.BENCH_NETNS_N || 100);
const RUNS = Number(process.env.BENCH_RUNS || 5);

exports.run = async function run() {
  const names = (p, r) => Array.from({ length: N }, (_, i) => `${p}${r}-${i}`);
  const sequential = await repeat(RUNS, async (r) => {
    for (const n of names('vs', r)) await (await Namespace.create(n, { loopbackUp: false })).delete();
  });
  const concurrent = await repeat(RUNS, async (r) => {
    const all = await Promise.all(names('vc', r).map((n) => Namespace.create(n, { loopbackUp: false })));
    await Promise.all(all.map((ns) => ns.delete()));
  });
  const spawned = await repeat(RUNS, async (r) => {
    for (const n of names('ip', r)) {
      await ip('netns', 'add', n);
      await ip('netns', 'del', n);
    }
  });
  const rows = [
    ['vnetkit, one at a time', sequential.ms],
    ['vnetkit, all at once (Promise.all)', concurrent.ms],
    ['ip netns add/del, spawned per op', spawned.ms],
  ];
  console.log(`\nW2-like: create + delete ${N} named namespaces (median of ${RUNS} runs)`);
  for (const [label, ms] of rows) {
    console.log(`  ${label.padEnd(38)} ${ms.toFixed(1).padStart(8)} ms  ${((ms * 1000) / N).toFixed(0).padStart(6)} µs/ns  ${(spawned.ms / ms).toFixed(1).padStart(5)}x vs ip`);
  }
  saveResults('netns', { N, RUNS, sequential, concurrent, spawned });
};
