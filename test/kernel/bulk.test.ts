// SPDX-License-Identifier: MIT
// Bulk teardown: one kernel wait for many links, never a link the caller did not name.
import { Bridge, ClosedError, Link, Namespace, VethPair } from '../../src';
import { Connection } from '../../src/netlink/connection';
import { groupSource } from '../../src/objects/bulk';
import { describeKernel, uniqueName } from '../helpers/sandbox';

describeKernel('bulk teardown', () => {
  jest.setTimeout(60_000);

  test('Link.deleteMany deletes exactly the links named, across namespaces, much faster than one by one', async () => {
    const a = await Namespace.create();
    const b = await Namespace.create();
    try {
      // A bystander already in a non-default group must survive.
      const bystander = await Link.create({ namespace: a, kind: 'bridge', name: 'keep0', group: 7 });
      const pairs = await Promise.all(Array.from({ length: 100 }, (_, i) => VethPair.create({ name: `a${i}`, namespace: a, peer: { name: `b${i}`, namespace: b } })));
      const loneB = await Link.create({ namespace: b, kind: 'bridge', name: 'gone0' });
      const t0 = performance.now();
      const n = await Link.deleteMany([...pairs.map((p) => p.local), loneB]);
      const ms = performance.now() - t0;
      expect(n).toBe(101);
      expect((await a.links()).map((l) => l.name).sort()).toEqual(['keep0', 'lo']);
      const deadline = Date.now() + 3000;
      while ((await b.links()).length > 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect((await b.links()).map((l) => l.name)).toEqual(['lo']);
      expect((await bystander.refresh()).group).toBe(7);
      // One delete costs a ~16-22 ms RCU wait; 101 one by one would take well over a second.
      console.log(`Link.deleteMany: 100 veth pairs + 1 bridge in 2 namespaces in ${ms.toFixed(0)} ms`);
      expect(ms).toBeLessThan(1000);
      expect(await Link.deleteMany(pairs.map((p) => p.local))).toBe(0); // already gone: skipped
    } finally {
      await a.close();
      await b.close();
    }
  });

  test('Link.deleteMany tags again when its random group is one another link has', async () => {
    const ns = await Namespace.create();
    // The first group drawn is the bystander's: the dump, sent alongside the tags, must catch it.
    const draw = jest.spyOn(groupSource, 'draw');
    draw.mockReturnValueOnce(7).mockReturnValueOnce(7).mockReturnValueOnce(9);
    try {
      const bystander = await Link.create({ namespace: ns, kind: 'bridge', name: 'keep0', group: 7 });
      const pairs = await Promise.all(Array.from({ length: 10 }, (_, i) => VethPair.create({ name: `c${i}`, namespace: ns, peer: { name: `d${i}` } })));
      expect(await Link.deleteMany(pairs.map((p) => p.local))).toBe(10);
      expect(draw).toHaveBeenCalledTimes(3); // 7 (taken), then 7 again (skipped: in use), then 9
      expect((await ns.links()).map((l) => l.name).sort()).toEqual(['keep0', 'lo']);
      expect((await bystander.refresh()).group).toBe(7);
    } finally {
      draw.mockRestore();
      await ns.close();
    }
  });

  test('Link.deleteMany that cannot list the groups in use deletes nothing and puts the groups back', async () => {
    const ns = await Namespace.create();
    const original = Connection.prototype.request;
    const request = jest.spyOn(Connection.prototype, 'request');
    try {
      const pairs = await Promise.all(Array.from({ length: 5 }, (_, i) => VethPair.create({ name: `f${i}`, namespace: ns, peer: { name: `g${i}` }, group: 77 })));
      // Every dump fails (as an interrupted one would, twice): the tags are already on their way.
      request.mockImplementation(function (this: Connection, builder, opts) {
        return opts.dump ? Promise.reject(new Error('dump failed')) : original.call(this, builder, opts);
      });
      await expect(Link.deleteMany(pairs.map((p) => p.local))).rejects.toThrow('dump failed');
      request.mockRestore();
      const left = await ns.links();
      for (let i = 0; i < 5; i++) expect(left.find((l) => l.name === `f${i}`)?.group).toBe(77);
    } finally {
      request.mockRestore();
      await ns.close();
    }
  });

  test('Namespace.deleteMany reports every name it could not delete and keeps those handles open', async () => {
    const a = await Namespace.create(uniqueName('dm'));
    const b = await Namespace.create(uniqueName('dm'));
    const c = await Namespace.create(uniqueName('dm'));
    await Namespace.delete(b.name!); // its name is gone already: deleting it again fails
    try {
      const one = await Namespace.deleteMany([a, b]).catch((e) => e);
      expect(one).toMatchObject({ code: 'ENOENT', message: expect.stringContaining(b.name!) });
      expect((await Namespace.list()).map((n) => n.name)).not.toContain(a.name);
      await expect(a.links()).rejects.toBeInstanceOf(ClosedError); // gone, handle released
      expect((await b.links()).map((l) => l.name)).toContain('lo'); // still usable
      const two = await Namespace.deleteMany([b, 'no-such-ns-x', c]).catch((e) => e);
      expect(two).toBeInstanceOf(AggregateError);
      expect((two as AggregateError).errors.map((e: { code: string }) => e.code)).toEqual(['ENOENT', 'ENOENT']);
      expect((await Namespace.list()).map((n) => n.name)).not.toContain(c.name);
    } finally {
      await Promise.all([a, b, c].map((n) => n.close()));
    }
  });

  test('ns.deleteLinks(filter) removes the matching links and never lo', async () => {
    const ns = await Namespace.create();
    try {
      await Promise.all(Array.from({ length: 20 }, (_, i) => Link.create({ namespace: ns, kind: 'veth', name: `t${i}`, peer: { name: `u${i}` } })));
      await Link.create({ namespace: ns, kind: 'bridge', name: 'br0' });
      expect(await ns.deleteLinks({ kind: 'bridge' })).toBe(1);
      expect(await ns.deleteLinks({ namePrefix: 't', names: ['t1', 't2', 'x'] })).toBe(2);
      expect((await ns.links()).length).toBe(1 + 36);
      expect(await ns.deleteLinks(() => true)).toBeGreaterThan(0);
      expect((await ns.links()).map((l) => l.name)).toEqual(['lo']);
      await expect(Link.deleteMany([await ns.link('lo')])).rejects.toThrow(/loopback/);
    } finally {
      await ns.close();
    }
  });

  test('ns.deleteLinks({ group }) deletes that group as it is, in one request, and leaves other groups alone', async () => {
    const ns = await Namespace.create();
    try {
      const br = await Bridge.create('gbr0', { namespace: ns, group: 42, up: true });
      await Promise.all(Array.from({ length: 30 }, (_, i) => VethPair.create({ name: `g${i}`, namespace: ns, peer: { name: `h${i}` }, group: 42, master: br.link, up: true })));
      await Link.create({ namespace: ns, kind: 'bridge', name: 'other0', group: 43 });
      await Link.create({ namespace: ns, kind: 'bridge', name: 'plain0' });
      const tags: number[] = [];
      const conn = await ns.connection();
      const request = conn.request.bind(conn);
      // Count what is sent: a group-only filter needs no tagging, just the dump and one delete.
      jest.spyOn(conn, 'request').mockImplementation((b, o) => (tags.push(o.op === 'RTM_NEWLINK' ? 1 : 0), request(b, o)));
      expect(await ns.deleteLinks({ group: 42 })).toBe(61);
      expect(tags.filter(Boolean)).toHaveLength(0);
      expect((await ns.links()).map((l) => l.name).sort()).toEqual(['lo', 'other0', 'plain0']);
      // Group 0 holds every link by default (lo too): that one goes through the tagging path.
      expect(await ns.deleteLinks({ group: 0 })).toBe(1);
      expect((await ns.links()).map((l) => l.name).sort()).toEqual(['lo', 'other0']);
      // So does a group lo was put in (the kernel would refuse to delete that group as a whole).
      await ns.exec('ip', ['link', 'set', 'dev', 'lo', 'group', '43']);
      expect(await ns.deleteLinks({ group: 43 })).toBe(1);
      expect((await ns.links()).map((l) => l.name)).toEqual(['lo']);
      expect(await ns.deleteLinks({ group: 43 })).toBe(0);
      expect(await ns.deleteLinks({ group: 99 })).toBe(0);
    } finally {
      await ns.close();
    }
  });

  test('delete({ wait }) resolves once the host-side peers are gone, so their names are free again', async () => {
    const names = Array.from({ length: 10 }, () => uniqueName('dw'));
    const spaces = await Promise.all(names.map((n) => Namespace.create(n)));
    const peerNames = names.map((_, i) => uniqueName(`hp${i}`));
    await Promise.all(spaces.map((ns, i) => VethPair.create({ name: 'eth0', namespace: ns, peer: { name: peerNames[i]! } })));
    await Namespace.deleteMany(spaces, { wait: true });
    const left = (await Namespace.current().links()).map((l) => l.name);
    for (const p of peerNames) expect(left).not.toContain(p);
    // Reusing a name right away works.
    const again = await Link.create({ kind: 'bridge', name: peerNames[0]! });
    await again.delete();
    expect((await Namespace.list()).map((n) => n.name)).not.toContain(names[0]);
  });
});
