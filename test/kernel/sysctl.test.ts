// SPDX-License-Identifier: MIT
// sysctls of a namespace and of a link on the real kernel, with `ip netns exec NS cat` as the oracle.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { ClosedError, InvalidArgumentError, Link, Namespace, SysctlError, VethPair } from '../../src';
import { describeKernel, uniqueName } from '../helpers/sandbox';

/** The oracle: the file read by `cat` under `ip netns exec`. */
const cat = (ns: string, path: string): string => execFileSync('ip', ['netns', 'exec', ns, 'cat', path], { encoding: 'utf8' }).replace(/\n$/, '');
/** This (sandbox) process's own value, read on the main thread, which stays in the sandbox namespace. */
const own = (path: string): string => readFileSync(path, 'utf8').replace(/\n$/, '');

async function rejection(p: Promise<unknown>): Promise<Error> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: Error) => e,
  );
}

describeKernel('sysctl', () => {
  jest.setTimeout(60_000);
  let name: string;
  let ns: Namespace;

  beforeEach(async () => {
    name = uniqueName('sc');
    ns = await Namespace.create(name);
  });
  afterEach(async () => {
    await ns.delete();
  });

  test('files are opened on the namespace thread inside the namespace: its value, not the sandbox one', async () => {
    const path = '/proc/sys/net/ipv4/ip_forward';
    const fresh = cat(name, path); // what a new namespace starts with (inherited from the initial one)
    const before = own(path);
    const other = fresh === '1' ? '0' : '1';
    writeFileSync(path, `${other}\n`); // the sandbox's own namespace now differs from the new one
    try {
      expect(await ns.sysctl.get('net.ipv4.ip_forward')).toBe(fresh);
      expect(await Namespace.current().sysctl.get('net.ipv4.ip_forward')).toBe(other);
      expect(await ns.sysctl.set('net.ipv4.ip_forward', other)).toBe(fresh);
      expect(cat(name, path)).toBe(other);
      expect(await ns.sysctl.set('net.ipv4.ip_forward', fresh)).toBe(other);
      expect(own(path)).toBe(other); // untouched by the writes into `ns`
    } finally {
      writeFileSync(path, `${before}\n`);
    }
  });

  test('the CNI keys set through vnetkit read back through `ip netns exec cat`; the sandbox is unchanged', async () => {
    const pair = await VethPair.create({ name: 'eth0', namespace: ns, peer: { name: uniqueName('hv'), namespace: ns } });
    const keys = {
      'net.ipv4.ip_forward': '1',
      'net.ipv4.conf.eth0.arp_notify': '1',
      'net.ipv6.conf.eth0.accept_dad': '0',
      'net.ipv6.conf.eth0.accept_ra': '0',
      'net.ipv4.conf.eth0.route_localnet': '1',
      'net.ipv6.conf.all.forwarding': '1',
      'net.ipv6.conf.default.disable_ipv6': '1',
    };
    const path = (k: string) => `/proc/sys/${k.replaceAll('.', '/')}`;
    const ownBefore = Object.keys(keys).filter((k) => !k.includes('eth0')).map((k) => own(path(k)));
    const old = await ns.sysctl.set(keys);
    expect(Object.keys(old)).toEqual(Object.keys(keys));
    for (const [k, v] of Object.entries(keys)) {
      expect(cat(name, path(k))).toBe(v);
    }
    expect(await ns.sysctl.get(Object.keys(keys))).toEqual(keys);
    expect(Object.keys(keys).filter((k) => !k.includes('eth0')).map((k) => own(path(k)))).toEqual(ownBefore);
    // The old values put everything back, in one call.
    expect(await ns.sysctl.set(old)).toEqual(keys);
    for (const [k, v] of Object.entries(old)) expect(cat(name, path(k))).toBe(v);
    expect(pair.local.name).toBe('eth0');
  });

  test('dotted, slash and /proc/sys spellings reach the same file; a dot in an interface name is "/" in dotted form', async () => {
    await VethPair.create({ name: 'eth0.100', namespace: ns, peer: { name: uniqueName('hv'), namespace: ns } });
    await ns.sysctl.set('net/ipv4/conf/eth0.100/arp_notify', 1);
    expect(cat(name, '/proc/sys/net/ipv4/conf/eth0.100/arp_notify')).toBe('1');
    expect(await ns.sysctl.get('net.ipv4.conf.eth0/100.arp_notify')).toBe('1');
    expect(await ns.sysctl.get('/proc/sys/net/ipv4/conf/eth0.100/arp_notify')).toBe('1');
    const link = await ns.link('eth0.100');
    expect(await link.sysctl.get('ipv4.arp_notify')).toBe('1');
    expect((await ns.sysctl.list('net.ipv4.conf.eth0/100')).find((e) => e.key === 'net.ipv4.conf.eth0/100.arp_notify')?.value).toBe('1');
  });

  test('link.sysctl follows a renamed link: keys resolve to conf/<current name>', async () => {
    const a = uniqueName('ra');
    const pair = await VethPair.create({ name: a, namespace: ns, peer: { name: uniqueName('rb'), namespace: ns } });
    const link = pair.local; // a snapshot, kept across the rename
    expect(await link.sysctl.set('ipv4.arp_notify', 1)).toBe('0');
    const b = uniqueName('rn');
    await (await Link.get(link.index, ns)).set({ name: b });
    expect(link.name).toBe(a);
    expect(await link.sysctl.get('ipv4.arp_notify')).toBe('1');
    expect(await link.sysctl.set({ 'ipv6.accept_dad': 0, 'ipv6/accept_ra': 0 })).toEqual({ 'ipv6.accept_dad': '1', 'ipv6/accept_ra': '1' });
    expect(cat(name, `/proc/sys/net/ipv6/conf/${b}/accept_dad`)).toBe('0');
    expect(cat(name, `/proc/sys/net/ipv6/conf/${b}/accept_ra`)).toBe('0');
    const entries = await link.sysctl.list();
    expect(entries.find((e) => e.key === 'ipv4.arp_notify')).toMatchObject({ value: '1', path: `/proc/sys/net/ipv4/conf/${b}/arp_notify`, writable: true });
    expect(entries.find((e) => e.key === 'ipv6.neigh.retrans_time_ms')?.path).toBe(`/proc/sys/net/ipv6/neigh/${b}/retrans_time_ms`);
    await link.delete();
    await expect(link.sysctl.get('ipv4.arp_notify')).rejects.toMatchObject({ code: 'ENODEV' });
  });

  test('host-wide and malformed keys are InvalidArgumentErrors before anything is opened', async () => {
    for (const k of ['kernel.hostname', 'vm.swappiness', 'net/../kernel/hostname', 'net.core.netdev_max_backlog', '', 'net.ipv4.ip_forward\0']) {
      const e = await rejection(ns.sysctl.set(k, 1));
      expect(e).toBeInstanceOf(InvalidArgumentError);
      expect(e).not.toBeInstanceOf(SysctlError);
    }
    await expect(ns.sysctl.get(42 as unknown as string)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(ns.sysctl.set('net.ipv4.ip_forward', 1.5)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect((await ns.link('lo')).sysctl.get('net.ipv4.conf.lo.arp_notify')).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  test('an unknown key is ENOENT, explained; a batch holding one writes nothing', async () => {
    const e = (await rejection(ns.sysctl.get('net.ipv4.no_such_key'))) as SysctlError;
    expect(e).toBeInstanceOf(SysctlError);
    expect(e).toBeInstanceOf(InvalidArgumentError);
    expect(e).toMatchObject({ code: 'ENOENT', errno: -2, reason: 'unknown-key', key: 'net.ipv4.no_such_key', path: '/proc/sys/net/ipv4/no_such_key' });
    expect(e.message).toMatch(/no such key in network namespace ".*" \(ENOENT/);
    const before = cat(name, '/proc/sys/net/ipv4/ip_forward');
    const b = (await rejection(ns.sysctl.set({ 'net.ipv4.ip_forward': before === '1' ? 0 : 1, 'net.ipv4.conf.nodev.arp_notify': 1 }))) as SysctlError;
    expect(b).toMatchObject({ code: 'ENOENT', key: 'net.ipv4.conf.nodev.arp_notify', restored: [] });
    expect(cat(name, '/proc/sys/net/ipv4/ip_forward')).toBe(before);
  });

  test('a read-only key is refused (EACCES, mode 0444) and nothing is written', async () => {
    const path = '/proc/sys/net/ipv4/conf/all/mc_forwarding';
    expect(execFileSync('ip', ['netns', 'exec', name, 'stat', '-c', '%a', path], { encoding: 'utf8' }).trim()).toBe('444');
    const before = cat(name, '/proc/sys/net/ipv4/conf/all/arp_notify');
    const e = (await rejection(ns.sysctl.set({ 'net.ipv4.conf.all.arp_notify': 1, 'net.ipv4.conf.all.mc_forwarding': 1 }))) as SysctlError;
    expect(e).toMatchObject({ code: 'EACCES', reason: 'read-only', key: 'net.ipv4.conf.all.mc_forwarding' });
    expect(e.message).toMatch(/read-only \(mode 0444\)/);
    expect(cat(name, '/proc/sys/net/ipv4/conf/all/arp_notify')).toBe(before);
    expect(cat(name, path)).toBe('0');
    const w = (await rejection(ns.sysctl.get('net.ipv4.route.flush'))) as SysctlError;
    expect(w).toMatchObject({ reason: 'write-only', code: 'EACCES' });
    expect(await ns.sysctl.set('net.ipv4.route.flush', 1)).toBeNull(); // an action: writable, no old value
  });

  test('a value the kernel refuses is EINVAL with key and value; nothing is written', async () => {
    const e = (await rejection(ns.sysctl.set('net.ipv4.ip_default_ttl', 300))) as SysctlError;
    expect(e).toBeInstanceOf(InvalidArgumentError);
    expect(e).toMatchObject({ code: 'EINVAL', errno: -22, reason: 'invalid-value', key: 'net.ipv4.ip_default_ttl', value: '300', syscall: 'write' });
    expect(e.message).toContain('net.ipv4.ip_default_ttl = "300"');
    expect(cat(name, '/proc/sys/net/ipv4/ip_default_ttl')).toBe('64');
    await expect(ns.sysctl.set('net.ipv4.ip_forward', 'yes')).rejects.toMatchObject({ code: 'EINVAL', value: 'yes' });
  });

  test('a batch with one refused value puts back the keys written before it, in the same job', async () => {
    const keys = ['net.ipv4.conf.all.arp_notify', 'net.ipv4.conf.all.route_localnet', 'net.ipv6.conf.all.accept_ra'];
    const paths = keys.map((k) => `/proc/sys/${k.replaceAll('.', '/')}`);
    const before = paths.map((p) => cat(name, p));
    const e = (await rejection(
      ns.sysctl.set({ [keys[0]!]: 1, [keys[1]!]: 1, 'net.ipv4.ip_default_ttl': 0, [keys[2]!]: 2 }),
    )) as SysctlError;
    expect(e).toMatchObject({ code: 'EINVAL', key: 'net.ipv4.ip_default_ttl', value: '0', restored: keys.slice(0, 2), notRestored: [] });
    expect(e.message).toMatch(/the 2 key\(s\) written before it were restored/);
    expect(paths.map((p) => cat(name, p))).toEqual(before);
    expect(cat(name, '/proc/sys/net/ipv4/ip_default_ttl')).toBe('64');
  });

  test('many keys are read and written in one call; set(old) restores them', async () => {
    const values: Record<string, number> = {
      'net.ipv4.ip_forward': 1,
      'net.ipv4.conf.all.arp_notify': 1,
      'net.ipv4.conf.default.arp_notify': 1,
      'net.ipv4.conf.all.route_localnet': 1,
      'net.ipv6.conf.all.accept_ra': 0,
      'net.ipv6.conf.default.accept_ra': 0,
      'net.ipv6.conf.all.accept_dad': 0,
      'net.ipv6.conf.default.accept_dad': 0,
      'net.ipv4.ip_default_ttl': 65,
      'net.core.somaxconn': 1000,
    };
    const before = await ns.sysctl.get(Object.keys(values));
    const old = await ns.sysctl.set(values);
    expect(old).toEqual(before);
    for (const [k, v] of Object.entries(values)) expect(cat(name, `/proc/sys/${k.replaceAll('.', '/')}`)).toBe(String(v));
    await ns.sysctl.set(old);
    expect(await ns.sysctl.get(Object.keys(values))).toEqual(before);
    expect(await ns.sysctl.set('net.ipv4.ping_group_range', [0, 1000])).toMatch(/^\d+\t\d+$/);
    expect(cat(name, '/proc/sys/net/ipv4/ping_group_range')).toBe('0\t1000');
  });

  test('list(prefix) matches `sysctl -a -r` inside the namespace', async () => {
    const entries = await ns.sysctl.list('net.ipv4.conf.lo');
    const oracle = execFileSync('ip', ['netns', 'exec', name, 'sysctl', '-a', '-r', '^net\\.ipv4\\.conf\\.lo\\.'], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((l) => l.split(' = '));
    expect(entries.map((e) => [e.key, e.value])).toEqual(oracle.map(([k, v]) => [k, v]));
    expect(entries.find((e) => e.key === 'net.ipv4.conf.lo.mc_forwarding')).toMatchObject({ mode: 0o444, writable: false });
    const all = await ns.sysctl.list();
    expect(all.length).toBeGreaterThan(300);
    expect(all.find((e) => e.key === 'net.ipv4.route.flush')).toMatchObject({ value: null, mode: 0o200, writable: true });
    expect(all.some((e) => e.key.startsWith('kernel.'))).toBe(false);
    expect(await ns.sysctl.list('net.ipv4.ip_forward')).toEqual([expect.objectContaining({ key: 'net.ipv4.ip_forward', path: '/proc/sys/net/ipv4/ip_forward' })]);
    await expect(ns.sysctl.list('net.nope')).rejects.toMatchObject({ code: 'ENOENT', reason: 'unknown-key' });
    await expect(ns.sysctl.list('kernel')).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  test('a closed handle is refused', async () => {
    const other = await Namespace.create();
    await other.close();
    await expect(other.sysctl.get('net.ipv4.ip_forward')).rejects.toBeInstanceOf(ClosedError);
  });
});
