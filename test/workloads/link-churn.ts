// SPDX-License-Identifier: MIT
// Run by test/kernel/stress.test.ts in a plain Node child (jest's own heap growth would hide ours):
// 10,000 link operations after a warm-up, printing fd count and RSS before and after as JSON.
import { readdirSync } from 'node:fs';
import { Link, Namespace } from '../../src';
import { deleteLinkGroup } from '../../src/objects/link';
import { native } from '../../src/native/binding';

declare const gc: () => void;
const fdCount = () => readdirSync('/proc/self/fd').length;

/**
 * Full collections with pauses between (V8 frees ArrayBuffer memory on a background sweeper), then
 * free heap pages back to the system: what stays is live memory, which is what a leak would grow.
 */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 50));
  }
  native().releaseFreeMemory();
}

async function main(): Promise<void> {
  const ns = await Namespace.create();
  const group = 77;
  const links = await Promise.all(
    Array.from({ length: 50 }, (_, i) => Link.create({ namespace: ns, kind: 'veth', name: `s${i}`, peer: { name: `t${i}` }, group })),
  );
  let ops = 0;
  const round = async () => {
    // 50 links x 4 operations x 10 = 2,000 operations per round.
    for (let r = 0; r < 10; r++) {
      await Promise.all(links.map((l) => l.setUp()));
      await Promise.all(links.map((l, i) => l.set({ mtu: 1300 + ((i + r) % 100) })));
      await Promise.all(links.map((l) => l.setDown()));
      await Promise.all(links.map((l) => Link.get(l.index, ns)));
      ops += 200;
    }
  };
  // Warm-up: JIT, and the malloc arenas of the native threads grow to their working size.
  for (let i = 0; i < 3; i++) await round();
  await settle();
  const before = { fds: fdCount(), rss: process.memoryUsage().rss };
  ops = 0;
  for (let i = 0; i < 5; i++) await round();
  await settle();
  const after = { fds: fdCount(), rss: process.memoryUsage().rss };
  await deleteLinkGroup(ns, group);
  await ns.close();
  process.stdout.write(JSON.stringify({ ops, before, after }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
