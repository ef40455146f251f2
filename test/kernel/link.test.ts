// SPDX-License-Identifier: MIT
// Links on the real kernel, inside the private namespace of test/run.js, with `ip -json` as oracle.
import { InvalidArgumentError, KernelFeatureError, Link, LinkNotFoundError, NetlinkError } from '../../src';
import { RTM_NEWLINK } from '../../src/rtnl/constants';
import { linkRequest, newLinkFlags } from '../../src/rtnl/link-ops';
import { Namespace } from '../../src';
import { describeKernel, ip, ipJson, uniqueName } from '../helpers/sandbox';

interface IpLink {
  ifindex: number;
  ifname: string;
  mtu: number;
  address?: string;
  flags: string[];
  operstate: string;
  link_type: string;
}

/** ip adds pseudo-flags that are not IFF_* bits. */
const realFlags = (f: string[]) => f.filter((x) => x !== 'NO-CARRIER' && x !== 'M-DOWN').sort();

async function cleanup(names: string[]) {
  for (const n of names) {
    try {
      ip('link', 'del', n);
    } catch {
      /* already gone with its peer */
    }
  }
}

describeKernel('Link', () => {
  test('list() equals `ip -json link show` after changes made by both', async () => {
    const a = uniqueName('la');
    const b = uniqueName('lb');
    const br = uniqueName('br');
    try {
      await Link.create({ kind: 'veth', name: a, peer: { name: b }, mtu: 1400 });
      ip('link', 'add', br, 'type', 'bridge');
      ip('link', 'set', a, 'up');
      const bl = await Link.get(b);
      await bl.set({ mac: '02:00:00:aa:bb:cc' });
      ip('link', 'set', br, 'mtu', '1300');

      const ours = await Link.list();
      const theirs = ipJson<IpLink[]>('link', 'show');
      expect(ours.map((l) => l.index).sort()).toEqual(theirs.map((l) => l.ifindex).sort());
      for (const t of theirs) {
        const o = ours.find((l) => l.index === t.ifindex)!;
        expect(o.name).toBe(t.ifname);
        expect(o.mtu).toBe(t.mtu);
        expect(o.mac).toBe(t.address);
        // ip never prints RUNNING (it shows LOWER_UP and the operstate instead).
        expect(o.flags.filter((f) => f !== 'RUNNING').sort()).toEqual(realFlags(t.flags));
        expect(o.operState.toUpperCase()).toBe(t.operstate);
      }
      expect(ours.find((l) => l.name === a)!.kind).toBe('veth');
      expect(ours.find((l) => l.name === br)!.kind).toBe('bridge');
      expect(ours.find((l) => l.name === b)!.mac).toBe('02:00:00:aa:bb:cc');
    } finally {
      await cleanup([a, br]);
    }
  });

  test('list({ kind }) and list({ master }) match `ip link show type KIND` / `master DEV`', async () => {
    const ns = await Namespace.create();
    try {
      await ns.exec('ip', ['link', 'add', 'br0', 'type', 'bridge']);
      await ns.exec('ip', ['link', 'add', 'br1', 'type', 'bridge']);
      await ns.exec('ip', ['tuntap', 'add', 'dev', 'tp0', 'mode', 'tap']);
      for (let i = 0; i < 3; i++) await ns.exec('ip', ['link', 'add', `p${i}`, 'type', 'veth', 'peer', 'name', `q${i}`]);
      await ns.exec('ip', ['link', 'set', 'p0', 'master', 'br0']);
      await ns.exec('ip', ['link', 'set', 'p1', 'master', 'br0']);
      await ns.exec('ip', ['link', 'set', 'p2', 'master', 'br1']);
      const names = async (args: string[]) => (JSON.parse((await ns.exec('ip', ['-json', 'link', 'show', ...args])).stdout) as IpLink[]).map((l) => l.ifname).sort();
      const ours = (ls: Link[]) => ls.map((l) => l.name).sort();
      expect(ours(await ns.links({ kind: 'bridge' }))).toEqual(await names(['type', 'bridge']));
      expect(ours(await ns.links({ kind: 'bridge' }))).toEqual(['br0', 'br1']);
      expect(ours(await ns.links({ kind: 'tun' }))).toEqual(['tp0']);
      expect(ours(await ns.links({ kind: 'veth' }))).toHaveLength(6);
      const br0 = await ns.link('br0');
      expect(ours(await ns.links({ master: br0 }))).toEqual(await names(['master', 'br0']));
      expect(ours(await ns.links({ master: br0.index }))).toEqual(['p0', 'p1']);
      expect(ours(await ns.links({ master: br0, kind: 'veth' }))).toEqual(['p0', 'p1']);
      expect(await ns.links({ kind: 'vxlan' })).toEqual([]);
      await expect(ns.links({ master: 0 })).rejects.toBeInstanceOf(InvalidArgumentError);
    } finally {
      await ns.close();
    }
  });

  test('create veth with mtu, mac and up; both ends visible to ip', async () => {
    const a = uniqueName('va');
    const b = uniqueName('vb');
    try {
      const link = await Link.create({ kind: 'veth', name: a, mtu: 1450, mac: '02:00:00:00:00:01', up: true, peer: { name: b, mac: '02:00:00:00:00:02' } });
      expect(link.name).toBe(a);
      expect(link.isUp).toBe(true);
      const [ia] = ipJson<IpLink[]>('link', 'show', a);
      const [ib] = ipJson<IpLink[]>('-d', 'link', 'show', b);
      expect(ia!.ifindex).toBe(link.index);
      expect(ia!.mtu).toBe(1450);
      expect(ia!.address).toBe('02:00:00:00:00:01');
      expect(ia!.flags).toContain('UP');
      expect(ib!.address).toBe('02:00:00:00:00:02');
      expect(link.parentIndex).toBe(ib!.ifindex);
    } finally {
      await cleanup([a]);
    }
  });

  test('setUp/setDown/set/refresh/delete track the kernel', async () => {
    const a = uniqueName('sa');
    const b = uniqueName('sb');
    const renamed = uniqueName('rn');
    try {
      const link = await Link.create({ kind: 'veth', name: a, peer: { name: b } });
      await link.setUp();
      expect(ipJson<IpLink[]>('link', 'show', a)[0]!.flags).toContain('UP');
      expect(link.isUp).toBe(true);
      expect(link.flags).toContain('UP');
      await link.refresh();
      expect(link.flags).toEqual(expect.arrayContaining(['UP', 'BROADCAST', 'MULTICAST']));
      await link.setDown();
      expect(ipJson<IpLink[]>('link', 'show', a)[0]!.flags).not.toContain('UP');
      expect(link.isUp).toBe(false);
      // What the object says matches a fresh read of the kernel's flags after a down.
      const flagsAfterDown = link.flags;
      await link.refresh();
      expect(link.flags).toEqual(flagsAfterDown);
      await link.set({ mtu: 1280, name: renamed, txqlen: 500, alias: 'test link' });
      expect(link.name).toBe(renamed);
      const [shown] = ipJson<(IpLink & { txqlen: number; ifalias: string })[]>('link', 'show', renamed);
      expect(shown).toMatchObject({ mtu: 1280, txqlen: 500, ifalias: 'test link', ifindex: link.index });
      ip('link', 'set', renamed, 'mtu', '1500');
      await link.refresh();
      expect(link.mtu).toBe(1500);
      expect(link.stats).toMatchObject({ rxPackets: expect.any(Number), txBytes: expect.any(Number) });
      await link.delete();
      expect(() => ip('link', 'show', b)).toThrow();
      await expect(link.delete()).rejects.toBeInstanceOf(LinkNotFoundError);
    } finally {
      await cleanup([a, renamed]);
    }
  });

  test('get() by name and index; a missing link is LinkNotFoundError (ENODEV)', async () => {
    const lo = await Link.get('lo');
    expect(lo.index).toBe(1);
    expect((await Link.get(1)).name).toBe('lo');
    await expect(Link.get('nosuchlink0')).rejects.toMatchObject({ code: 'ENODEV' });
    await expect(Link.get(99999)).rejects.toBeInstanceOf(LinkNotFoundError);
  });

  test('bad names are refused before the kernel sees them', async () => {
    for (const name of ['', 'a'.repeat(16), 'has space', 'a/b', 'a:b', '.', '..', 'tab\tx']) {
      await expect(Link.create({ kind: 'bridge', name })).rejects.toBeInstanceOf(InvalidArgumentError);
    }
    await expect(Link.create({ kind: 'veth', name: 'ok0', peer: { name: 'x'.repeat(20) } })).rejects.toMatchObject({
      argument: 'peer.name',
    });
    expect(() => ip('link', 'show', 'ok0')).toThrow();
  });

  test('a name that exists gives EEXIST with the kernel message and what was asked', async () => {
    const a = uniqueName('ea');
    try {
      ip('link', 'add', a, 'type', 'bridge');
      const err = (await Link.create({ kind: 'bridge', name: a }).catch((e) => e)) as NetlinkError;
      expect(err).toBeInstanceOf(NetlinkError);
      expect(err.code).toBe('EEXIST');
      expect(err.errno).toBe(-17);
      expect(err.op).toBe('RTM_NEWLINK');
      expect(err.message).toContain(a);
    } finally {
      await cleanup([a]);
    }
  });

  test('a kind the kernel lacks says so (KernelFeatureError)', async () => {
    // This kernel is built without dummy; where it has it, the link is simply created.
    const name = uniqueName('dm');
    try {
      const link = await Link.create({ kind: 'dummy', name });
      expect(link.kind).toBe('dummy');
    } catch (e) {
      expect(e).toBeInstanceOf(KernelFeatureError);
      expect((e as KernelFeatureError).code).toBe('EOPNOTSUPP');
      expect((e as KernelFeatureError).feature).toBe('link kind "dummy"');
      expect((e as Error).message).toMatch(/kernel has no "dummy" link type/);
    } finally {
      await cleanup([name]);
    }
    await expect(Link.create({ kind: 'nosuchkind', name })).rejects.toBeInstanceOf(KernelFeatureError);
  });

  test('an out-of-range MTU is explained by the kernel', async () => {
    const a = uniqueName('ma');
    const b = uniqueName('mb');
    try {
      const link = await Link.create({ kind: 'veth', name: a, peer: { name: b } });
      const err = (await link.set({ mtu: 70000 }).catch((e) => e)) as NetlinkError;
      expect(err.code).toBe('EINVAL');
      expect(err.kernelMessage).toMatch(/MTU/i);
      expect(err.message).toContain(`set mtu on "${a}"`);
    } finally {
      await cleanup([a]);
    }
  });

  test('the kernel\'s error offset is mapped to the attribute path of the request', async () => {
    // Bypasses the library's own name check to make the kernel's policy validation fail.
    const conn = await Namespace.current().connection();
    const peer = { header: {}, attrs: { ifname: 'y'.repeat(20) } };
    const req = linkRequest(RTM_NEWLINK, newLinkFlags, {}, { ifname: uniqueName('pa'), linkinfo: { kind: 'veth', data: { peer } } });
    const err = (await conn.request(req, { op: 'RTM_NEWLINK' }).catch((e) => e)) as NetlinkError;
    expect(err).toBeInstanceOf(NetlinkError);
    expect(err.kernelMessage).toBe('Attribute failed policy validation');
    expect(err.extack?.offset).toBeGreaterThan(16);
    expect(err.attrPath).toBe('linkinfo.data.peer.ifname');
    expect(err.message).toContain('[attribute linkinfo.data.peer.ifname]');
  });
});
