'use strict';
// Issue 4: create N veth pairs with the peer in another namespace and set both ends up.
// vnetkit (VethPair.create, all at once) vs spawning `ip` per command from Node vs `ip -batch`.
// Each run starts from two fresh namespaces; teardown (deleting the namespaces) is not timed.
const { writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { Namespace, VethPair } = require('..');
const { ip, median, saveResults, settle } = require('./stats');

const N = Number(process.env.BENCH_VETH_N || 1000);
const RUNS = Number(process.env.BENCH_RUNS || 3);

async function withNamespaces(r, tag, fn) {
  const a = await Namespace.create(`${tag}a${r}`);
  const b = await Namespace.create(`${tag}b${r}`);
  try {
    return await fn(a, b);
  } finally {
    // Wait for the kernel's asynchronous teardown, so it does not eat into the next measurement.
    await Namespace.deleteMany([a, b], { wait: true, timeoutMs: 60_000 });
    await settle();
  }
}

exports.run = async function run() {
  let t;
  const timed = async (fn) => {
    const t0 = process.hrtime.bigint();
    await fn();
    t = Number(process.hrtime.bigint() - t0) / 1e6;
  };
  // `queues` = '' is the command as people write it; ' numtxqueues 1 numrxqueues 1' asks for what
  // vnetkit asks for (see VethPair txQueues), so the kernel does the same work for both.
  const ipBatch = (r, tag, queues) =>
    withNamespaces(r, tag, (a, b) => {
      const f1 = join(tmpdir(), `vk-batch-a-${process.pid}`);
      const f2 = join(tmpdir(), `vk-batch-b-${process.pid}`);
      writeFileSync(f1, Array.from({ length: N }, (_, i) => `link add v${i} up${queues} type veth peer name p${i}${queues} netns ${b.name}\n`).join(''));
      writeFileSync(f2, Array.from({ length: N }, (_, i) => `link set p${i} up\n`).join(''));
      return timed(async () => {
        await ip('-n', a.name, '-batch', f1);
        await ip('-n', b.name, '-batch', f2);
      });
    }).then(() => t);
  const methods = {
    vnetkit: (r) =>
      withNamespaces(r, 'vk', (a, b) =>
        timed(() => Promise.all(Array.from({ length: N }, (_, i) => VethPair.create({ name: `v${i}`, namespace: a, peer: { name: `p${i}`, namespace: b }, up: true })))),
      ).then(() => t),
    batch: (r) => ipBatch(r, 'ib', ''),
    batchQueues: (r) => ipBatch(r, 'iq', ' numtxqueues 1 numrxqueues 1'),
    spawned: (r) =>
      withNamespaces(r, 'is', (a, b) =>
        timed(async () => {
          for (let i = 0; i < N; i++) {
            await ip('-n', a.name, 'link', 'add', `v${i}`, 'type', 'veth', 'peer', 'name', `p${i}`, 'netns', b.name);
            await ip('-n', a.name, 'link', 'set', `v${i}`, 'up');
            await ip('-n', b.name, 'link', 'set', `p${i}`, 'up');
          }
        }),
      ).then(() => t),
  };
  // One untimed vnetkit run: the figures are a long-lived process's, with its code JIT-compiled.
  await methods.vnetkit('w');
  // Round-robin, so slow drifts of this machine fall on every method alike.
  const samples = Object.fromEntries(Object.keys(methods).map((k) => [k, []]));
  for (let r = 0; r < RUNS; r++) {
    for (const [k, fn] of Object.entries(methods)) samples[k].push(await fn(r));
  }
  const [vnetkit, batch, batchQueues, spawned] = ['vnetkit', 'batch', 'batchQueues', 'spawned'].map((k) => ({ ms: median(samples[k]), samples: samples[k] }));
  console.log(`\nveth pairs with the peer in another namespace, both ends up, N = ${N} (median of ${RUNS} runs)`);
  for (const [label, r] of [
    ['vnetkit VethPair.create, all at once', vnetkit],
    ['ip -batch (two files, one per namespace)', batch],
    ['ip -batch, numtxqueues 1 numrxqueues 1', batchQueues],
    ['ip spawned per command (3 per pair)', spawned],
  ]) {
    console.log(`  ${label.padEnd(44)} ${r.ms.toFixed(1).padStart(9)} ms  ${((r.ms * 1000) / N).toFixed(0).padStart(6)} µs/pair  vnetkit is ${(r.ms / vnetkit.ms).toFixed(1)}x faster`);
  }
  saveResults('veth', { N, RUNS, vnetkit, batch, batchQueues, spawned });
};
