'use strict';
// µs per veth create, set (mtu) and delete: vnetkit vs spawning `ip link` per command from Node.
// Operations run one after another (each awaited), so these are latencies, not pipelined throughput.
const { execFile } = require('node:child_process');
const { promisify } = require('node:util');
const { Link, Namespace } = require('..');
const { median, now } = require('./stats');

const run$ = promisify(execFile);
const N = Number(process.env.BENCH_N || 200);

async function timeEach(n, fn) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const t = now();
    await fn(i);
    out.push(now() - t);
  }
  return out;
}

async function vnetkit(ns) {
  const links = [];
  const create = await timeEach(N, async (i) => links.push(await Link.create({ namespace: ns, kind: 'veth', name: `va${i}`, peer: { name: `vb${i}` } })));
  const set = await timeEach(N, (i) => links[i].set({ mtu: 1400 }));
  const del = await timeEach(N, (i) => links[i].delete());
  return { create, set, del };
}

async function ipSpawn(netnsName) {
  const ip = (...a) => run$('ip', ['-n', netnsName, ...a]);
  const create = await timeEach(N, (i) => ip('link', 'add', `ia${i}`, 'type', 'veth', 'peer', 'name', `ib${i}`));
  const set = await timeEach(N, (i) => ip('link', 'set', `ia${i}`, 'mtu', '1400'));
  const del = await timeEach(N, (i) => ip('link', 'del', `ia${i}`));
  return { create, set, del };
}

exports.run = async function run() {
  // Both sides work in their own fresh namespace so neither sees the other's links.
  await run$('ip', ['netns', 'add', 'bench-ip']);
  const ns = await Namespace.create();
  try {
    const v = await vnetkit(ns);
    const s = await ipSpawn('bench-ip');
    console.log(`\nlink operations, one at a time, N = ${N} each, median µs per operation`);
    console.log('operation        vnetkit    ip (spawned)   ratio');
    for (const k of ['create', 'set', 'del']) {
      const a = median(v[k]);
      const b = median(s[k]);
      console.log(`${(k === 'del' ? 'delete' : k === 'set' ? 'set mtu' : 'create veth').padEnd(16)} ${a.toFixed(0).padStart(7)}    ${b.toFixed(0).padStart(10)}   ${(b / a).toFixed(1)}x`);
    }
  } finally {
    await ns.close();
    await run$('ip', ['netns', 'del', 'bench-ip']);
  }
};
