// SPDX-License-Identifier: MIT
// What `ip link set` still had: promisc, allmulti, arp, addrgenmode, carrier, altnames (and lookup
// by one), netns by pid. Checked with `ip -d -json link`.
import { readlinkSync } from 'node:fs';
import { Link, Namespace, NetlinkError, VethPair } from '../../src';
import { describeKernel, ipJson, uniqueName } from '../helpers/sandbox';

interface IpLink {
  ifname: string;
  flags: string[];
  promiscuity: number;
  allmulti?: number;
  altnames?: string[];
  inet6_addr_gen_mode?: string;
}
const show = (name: string) => ipJson<IpLink[]>('-d', 'link', 'show', 'dev', name)[0]!;

describeKernel('ip link set options', () => {
  let pair: VethPair;
  beforeEach(async () => {
    pair = await VethPair.create({ name: uniqueName('ls'), peer: { name: uniqueName('lt') } });
  });
  afterEach(async () => {
    await pair[Symbol.asyncDispose]();
  });

  test('promisc, allmulti and arp on and off, in one request each way', async () => {
    const link = pair.local;
    await link.set({ promisc: true, allmulti: true, arp: false });
    let seen = show(link.name);
    expect(seen.flags).toEqual(expect.arrayContaining(['PROMISC', 'ALLMULTI', 'NOARP']));
    expect(seen.promiscuity).toBe(1);
    expect(link.flags).toEqual(expect.arrayContaining(['PROMISC', 'ALLMULTI', 'NOARP']));
    await link.set({ promisc: false, allmulti: false, arp: true });
    seen = show(link.name);
    expect(seen.flags.filter((f) => ['PROMISC', 'ALLMULTI', 'NOARP'].includes(f))).toEqual([]);
    expect(link.flags.filter((f) => ['PROMISC', 'ALLMULTI', 'NOARP'].includes(f))).toEqual([]);
  });

  test('addrGenMode: ip shows what was set, and link.addrGenMode reads it back', async () => {
    const link = pair.local;
    expect(link.addrGenMode).toBe(show(link.name).inet6_addr_gen_mode);
    await link.set({ addrGenMode: 'none' });
    expect(show(link.name).inet6_addr_gen_mode).toBe('none');
    expect(link.addrGenMode).toBe('none');
    await link.set({ addrGenMode: 'random' });
    expect([show(link.name).inet6_addr_gen_mode, link.addrGenMode]).toEqual(['random', 'random']);
  });

  test('carrier: a veth does not let software set it, and says so', async () => {
    const err = await pair.local.set({ carrier: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetlinkError);
    expect((err as NetlinkError).code).toBe('EOPNOTSUPP');
  });

  test('altnames: add (long and short), find the link by them, remove', async () => {
    const link = pair.local;
    const long = `${link.name}-alternative-name-longer-than-ifnamsiz`;
    const short = uniqueName('al');
    await link.addAltNames(long, short);
    expect(show(link.name).altnames).toEqual([long, short]);
    expect(link.altNames).toEqual([long, short]);
    expect((await Link.get(long)).index).toBe(link.index);
    expect((await Link.get(short)).index).toBe(link.index);
    await link.removeAltNames(long);
    expect(show(link.name).altnames).toEqual([short]);
    expect(link.altNames).toEqual([short]);
  });

  test('moveTo({ pid }): into the namespace a process is in', async () => {
    const ns = await Namespace.create();
    const child = ns.spawn('sleep', ['30']);
    try {
      await new Promise((r) => child.once('spawn', r));
      // 'spawn' is the helper's exec; it enters the namespace right after: wait until it has.
      const inNs = () => {
        try {
          return readlinkSync(`/proc/${child.pid}/ns/net`) === `net:[${ns.inode}]`;
        } catch {
          return false;
        }
      };
      for (let i = 0; i < 500 && !inNs(); i++) await new Promise((r) => setTimeout(r, 10));
      expect(inNs()).toBe(true);
      const moved = await pair.peer.moveTo({ pid: child.pid! });
      expect(moved.namespace.equals(ns)).toBe(true);
      expect((await ns.links()).map((l) => l.name)).toContain(pair.peer.name);
      await moved.namespace.close();
    } finally {
      child.kill();
      await ns.close();
    }
  });
});
