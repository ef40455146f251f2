// SPDX-License-Identifier: MIT
// Run by test/kernel/stress.test.ts in a plain Node child (so jest's own work does not pollute the
// figures): event-loop delay while 1,000 veth pairs are created (pipelined) and deleted, and whether
// the main thread's network namespace ever changes meanwhile. Prints JSON.
import { readFileSync, readlinkSync } from 'node:fs';
import { Link, Namespace } from '../../src';
import { deleteLinkGroup } from '../../src/objects/link';
import { startedHistogram } from '../helpers/event-loop';

const mainNetns = () => readlinkSync('/proc/thread-self/ns/net');

/** User-mode CPU ticks of the whole machine (all CPUs), and of this process (all its threads). */
function userTicks(): { machine: number; self: number } {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).map(Number);
  const self = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return { machine: cpu[1]! + cpu[2]!, self: Number(self[11]) };
}

async function main(): Promise<void> {
  const ns = await Namespace.create();
  const home = mainNetns();
  let checks = 0;
  let moved = 0;
  const watcher = setInterval(() => {
    checks++;
    if (mainNetns() !== home) moved++;
  }, 2);
  // One histogram for the whole burst, one for the creates alone (where the burst gate works; the
  // listing and the group delete after them have their own GC and kernel waits).
  const [h, hCreate] = await Promise.all([startedHistogram(), startedHistogram()]);
  const t0 = performance.now();
  const ticks0 = userTicks();
  const group = 4242;
  const created = await Promise.all(
    Array.from({ length: 1000 }, (_, i) => Link.create({ namespace: ns, kind: 'veth', name: `a${i}`, peer: { name: `b${i}` }, group, up: true })),
  );
  hCreate.disable();
  const listed = (await ns.links()).filter((l) => l.kind === 'veth').length;
  await deleteLinkGroup(ns, group);
  const left = (await ns.links()).map((l) => l.name);
  const ms = performance.now() - t0;
  const ticks1 = userTicks();
  h.disable();
  // Other processes' user time during the burst, in cores (USER_HZ = 100 ticks a second): when
  // another program keeps a core busy, our timers are late whatever the library does.
  const othersCores = (ticks1.machine - ticks0.machine - (ticks1.self - ticks0.self)) / 100 / (ms / 1000);
  clearInterval(watcher);
  await ns.close();
  const q = (p: number) => h.percentile(p) / 1e6;
  process.stdout.write(
    JSON.stringify({ created: created.length, listed, left, ms, p50: q(50), p99: q(99), max: h.max / 1e6, createMax: hCreate.max / 1e6, checks, moved, home, after: mainNetns(), othersCores }),
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
