'use strict';
// The bulk workloads done with iproute2, two ways: `ip` spawned per operation from Node
// (child_process.execFile, one after another), and `ip -batch` files. Each returns
// { createMs, deleteMs }. Setup that is not part of the workload (the 10 namespaces of W3) is untimed.
const { writeFileSync, unlinkSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { ip } = require('../stats');

const time = async (fn) => {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
};
const seq = async (n, fn) => {
  for (let i = 0; i < n; i++) await fn(i);
};
let fileNo = 0;
async function batch(lines, ...pre) {
  const f = join(tmpdir(), `vnetkit-bench-${process.pid}-${fileNo++}`);
  writeFileSync(f, lines.join('\n') + '\n');
  try {
    await ip(...pre, '-batch', f);
  } finally {
    unlinkSync(f);
  }
}
const range = (n, fn) => Array.from({ length: n }, (_, i) => fn(i));
const addr = (i) => `10.${100 + (i % 10)}.${Math.floor(i / 10 / 250)}.${1 + (Math.floor(i / 10) % 250)}/16`;

async function w3Spaces(tag, fn) {
  const names = range(10, (k) => `${tag}${k}`);
  for (const n of names) await ip('netns', 'add', n);
  try {
    return await fn(names);
  } finally {
    for (const n of names) await ip('netns', 'del', n);
  }
}

const perOp = {
  w1: async (n) => ({
    createMs: await time(() => seq(n, async (i) => {
      await ip('link', 'add', `ia${i}`, 'type', 'veth', 'peer', 'name', `ib${i}`);
      await ip('link', 'set', `ia${i}`, 'up');
      await ip('link', 'set', `ib${i}`, 'up');
    })),
    deleteMs: await time(() => seq(n, (i) => ip('link', 'del', `ia${i}`))),
  }),
  w2: async (n) => ({
    createMs: await time(() => seq(n, (i) => ip('netns', 'add', `ip${i}`))),
    deleteMs: await time(() => seq(n, (i) => ip('netns', 'del', `ip${i}`))),
  }),
  w3: (n) => w3Spaces('ips', async (spaces) => ({
    createMs: await time(async () => {
      await ip('link', 'add', 'ipbr0', 'up', 'type', 'bridge');
      await seq(n, async (i) => {
        const ns = spaces[i % 10];
        await ip('link', 'add', `p${i}`, 'master', 'ipbr0', 'up', 'type', 'veth', 'peer', 'name', `e${i}`, 'netns', ns);
        await ip('-n', ns, 'link', 'set', `e${i}`, 'up');
        await ip('-n', ns, 'addr', 'add', addr(i), 'dev', `e${i}`);
      });
    }),
    deleteMs: await time(async () => {
      await ip('link', 'del', 'ipbr0');
      await seq(n, (i) => ip('link', 'del', `p${i}`));
    }),
  })),
  w4: async (n) => ({
    createMs: await time(() => seq(n, (i) => ip('tuntap', 'add', 'dev', `it${i}`, 'mode', 'tap'))),
    deleteMs: await time(() => seq(n, (i) => ip('tuntap', 'del', 'dev', `it${i}`, 'mode', 'tap'))),
  }),
};

const batched = {
  w1: async (n) => ({
    createMs: await time(() => batch(range(n, (i) => `link add ia${i} up type veth peer name ib${i}\nlink set ib${i} up`))),
    deleteMs: await time(() => batch(range(n, (i) => `link del ia${i}`))),
  }),
  w2: async (n) => ({
    createMs: await time(() => batch(range(n, (i) => `netns add ib${i}`))),
    deleteMs: await time(() => batch(range(n, (i) => `netns del ib${i}`))),
  }),
  w3: (n) => w3Spaces('ibs', async (spaces) => ({
    createMs: await time(async () => {
      await batch(['link add ibbr0 up type bridge', ...range(n, (i) => `link add p${i} master ibbr0 up type veth peer name e${i} netns ${spaces[i % 10]}`)]);
      for (const [k, ns] of spaces.entries()) {
        await batch(range(n, (i) => i).filter((i) => i % 10 === k).map((i) => `link set e${i} up\naddr add ${addr(i)} dev e${i}`), '-n', ns);
      }
    }),
    deleteMs: await time(() => batch(['link del ibbr0', ...range(n, (i) => `link del p${i}`)])),
  })),
  w4: async (n) => ({
    createMs: await time(() => batch(range(n, (i) => `tuntap add dev it${i} mode tap`))),
    deleteMs: await time(() => batch(range(n, (i) => `tuntap del dev it${i} mode tap`))),
  }),
};

module.exports = { perOp, batched };
