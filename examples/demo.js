#!/usr/bin/env node
// The quick-start demo: builds a small topology inside a fresh, anonymous network namespace (so the
// machine's own network is never touched), lists it, and tears it down. Needs root (CAP_NET_ADMIN
// and CAP_SYS_ADMIN). Run with `npm run demo`.
'use strict';
const { Namespace, Link } = require('..');

async function main() {
  const t0 = process.hrtime.bigint();
  const ns = await Namespace.create();
  try {
    await build(ns);
  } finally {
    await ns.close(); // the last handle: the kernel removes the namespace and whatever is left in it
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(`total ${ms.toFixed(1)} ms`);
}

async function build(ns) {
  console.log(`created ${ns.label} (inode ${ns.inode})`);

  const veth = await Link.create({ namespace: ns, kind: 'veth', name: 'veth0', peer: { name: 'veth1' }, up: true });
  const peer = await ns.link('veth1');
  await peer.setUp();
  const br = await Link.create({ namespace: ns, kind: 'bridge', name: 'br0', mtu: 1400 });
  await br.setUp();

  const links = await ns.links();
  console.log('\nlinks of the new namespace:');
  console.log('index  name     kind    mtu    mac                state    flags');
  for (const l of links) {
    console.log(
      `${String(l.index).padEnd(6)} ${l.name.padEnd(8)} ${(l.kind ?? '-').padEnd(7)} ${String(l.mtu).padEnd(6)} ` +
        `${(l.mac ?? '-').padEnd(18)} ${l.operState.padEnd(8)} ${l.flags.join(',')}`,
    );
  }
  await veth.delete();
  await br.delete();
  const left = (await ns.links()).map((l) => l.name);
  console.log(`\ndeleted veth0/veth1 and br0; left: ${left.join(', ')}`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
