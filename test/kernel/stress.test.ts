// SPDX-License-Identifier: MIT
// The event loop stays responsive under bulk link work, the main thread never changes namespace,
// and repeated operations leak neither fds nor memory.
import { readlinkSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Link, Namespace } from '../../src';
import { deleteLinkGroup } from '../../src/objects/link';
import { describeKernel } from '../helpers/sandbox';

interface Sample {
  fds: number;
  rss: number;
}

const mainNetns = () => readlinkSync('/proc/thread-self/ns/net');

describeKernel('under load', () => {
  jest.setTimeout(120_000);

  test('1,000 veth pairs created and deleted: event-loop delay p99 < 5 ms, main thread stays home', async () => {
    const ns = await Namespace.create();
    const home = mainNetns();
    const h = monitorEventLoopDelay({ resolution: 1 });
    let samples = 0;
    const sampler = setInterval(() => {
      samples++;
      if (mainNetns() !== home) throw new Error('main thread changed network namespace');
    }, 2);
    try {
      h.enable();
      const group = 4242;
      const created = await Promise.all(
        Array.from({ length: 1000 }, (_, i) =>
          Link.create({ namespace: ns, kind: 'veth', name: `a${i}`, peer: { name: `b${i}` }, group, up: true }),
        ),
      );
      expect(created).toHaveLength(1000);
      expect((await ns.links()).filter((l) => l.kind === 'veth')).toHaveLength(2000);
      await deleteLinkGroup(ns, group);
      expect((await ns.links()).map((l) => l.name)).toEqual(['lo']);
      h.disable();
      const p99 = h.percentile(99) / 1e6;
      console.log(`event-loop delay during 1,000 veth create+delete: p50 ${(h.percentile(50) / 1e6).toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, max ${(h.max / 1e6).toFixed(2)} ms`);
      expect(p99).toBeLessThan(5);
      expect(samples).toBeGreaterThan(10);
      expect(mainNetns()).toBe(home);
    } finally {
      clearInterval(sampler);
      await ns.close();
    }
  });

  test('10,000 link operations leave fd count and RSS flat (within 5 MiB)', () => {
    const out = execFileSync(
      process.execPath,
      ['--expose-gc', '-r', join(__dirname, '../helpers/ts-register.js'), join(__dirname, '../workloads/link-churn.ts')],
      { encoding: 'utf8', timeout: 100_000 },
    );
    const { ops, before, after } = JSON.parse(out) as { ops: number; before: Sample; after: Sample };
    const grew = (after.rss - before.rss) / 2 ** 20;
    console.log(`after ${ops} link operations: fds ${before.fds} -> ${after.fds}, RSS ${(before.rss / 2 ** 20).toFixed(1)} -> ${(after.rss / 2 ** 20).toFixed(1)} MiB`);
    expect(ops).toBe(10_000);
    expect(after.fds).toBe(before.fds);
    expect(grew).toBeLessThan(5);
  });

  test('a runner thread that cannot return home is retired and replaced', async () => {
    const { native } = await import('../../src/native/binding');
    const home = await native().runnerNetnsInode();
    const before = native().runnerStats().retired;
    const stranded = await native().debugStrandRunner();
    expect(stranded).not.toBe(home);
    expect(native().runnerStats().retired).toBe(before + 1);
    // The next job runs on a fresh thread, at home, and sockets still open where asked.
    expect(await native().runnerNetnsInode()).toBe(home);
    expect((await Link.get('lo')).index).toBe(1);
  });
});
