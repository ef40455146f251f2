// SPDX-License-Identifier: MIT
// Link kinds on the real kernel: for every kind this kernel has (macvlan, macvtap, vxlan, ifb),
// vnetkit's decoded view (`link.data`) agrees with `ip -d -json link show`, field by field, after
// Link.create and after link.set({ data }). The other kinds are checked against iproute2's request
// bytes in test/unit/kinds.test.ts, and must fail here with KernelFeatureError.
import { InvalidArgumentError, KernelFeatureError, Link, Namespace, VethPair } from '../../src';
import { describeKernel, ipJson, uniqueName } from '../helpers/sandbox';

interface IpLinkInfo {
  ifname: string;
  ifindex: number;
  link?: string;
  link_index?: number;
  linkinfo?: { info_kind: string; info_data?: Record<string, unknown> };
}
const ipLink = (name: string, ns?: string) => ipJson<IpLinkInfo[]>(...(ns ? ['-n', ns] : []), '-d', 'link', 'show', 'dev', name)[0]!;

/**
 * ip's info_data keys, each with what vnetkit's decoded view must hold for it. Every key ip
 * prints must be listed, so a field ip shows and vnetkit does not decode fails the test.
 */
type Check = (ipValue: unknown, data: Record<string, unknown>) => void;
const same = (key: string): Check => (v, d) => expect([key, d[key]]).toEqual([key, v]);
const macvlanFields: Record<string, Check> = {
  mode: same('mode'),
  bcqueuelen: same('bcQueueLen'),
  usedbcqueuelen: same('bcQueueLenUsed'),
  macaddr_count: (v, d) => expect((d.sourceMacs as string[]).length).toBe(v),
  macaddr_data: same('sourceMacs'),
  flag: (v, d) => expect([v, d.nopromisc, d.nodst]).toEqual([v, v === 'nopromisc', v === 'nodst']),
};
function vxlanFields(devName: () => string | undefined): Record<string, Check> {
  return {
    id: same('vni'),
    remote: same('remote'),
    group: same('group'),
    local: same('local'),
    remote6: same('remote'),
    group6: same('group'),
    local6: same('local'),
    link: (v) => expect(devName()).toBe(v),
    port_range: same('srcPortRange'),
    port: same('dstport'),
    learning: same('learning'),
    ttl: same('ttl'),
    tos: same('tos'),
    df: same('df'),
    ageing: same('ageing'),
    limit: same('maxAddresses'),
    proxy: same('proxy'),
    l2miss: same('l2miss'),
    l3miss: same('l3miss'),
    external: same('external'),
    udp_csum: same('udpCsum'),
    udp_zero_csum6_tx: same('udp6ZeroCsumTx'),
    udp_zero_csum6_rx: same('udp6ZeroCsumRx'),
  };
}

function agree(name: string, link: Link, fields: Record<string, Check>, ns?: string): number {
  const info = ipLink(name, ns).linkinfo!;
  expect(info.info_kind).toBe(link.kind);
  const data = (link.data ?? {}) as Record<string, unknown>;
  let checked = 0;
  for (const [k, v] of Object.entries(info.info_data ?? {})) {
    expect([k, k in fields]).toEqual([k, true]);
    fields[k]!(v, data);
    checked++;
  }
  return checked;
}

describeKernel('link kinds', () => {
  let parent: Link;
  const made: Link[] = [];
  beforeAll(async () => {
    const pair = await VethPair.create({ name: uniqueName('kp'), peer: { name: uniqueName('kq') } });
    parent = pair.local;
    made.push(parent);
  });
  afterAll(async () => {
    for (const l of made.reverse()) await l[Symbol.asyncDispose]();
  });

  test.each(['macvlan', 'macvtap'] as const)('%s: create and set, ip -d -json agrees field by field', async (kind) => {
    const name = uniqueName('mv');
    const link = await Link.create({ kind, name, parent: parent.name, data: { mode: 'bridge', bcQueueLen: 200 } });
    made.push(link);
    expect(link.kind).toBe(kind);
    expect(link.parentIndex).toBe(parent.index);
    expect(link.data).toMatchObject({ mode: 'bridge', bcQueueLen: 200, nopromisc: false });
    expect(agree(name, link, macvlanFields)).toBeGreaterThanOrEqual(3);
    expect(ipLink(name).link).toBe(parent.name);

    await link.set({ data: { mode: 'private', bcQueueLen: 300 } });
    expect(link.data).toMatchObject({ mode: 'private', bcQueueLen: 300 });
    expect(agree(name, link, macvlanFields)).toBeGreaterThanOrEqual(3);
  });

  test('macvlan mode source: the source MACs, after create and after set', async () => {
    const name = uniqueName('ms');
    const link = await Link.create({ kind: 'macvlan', name, parent, data: { mode: 'source', sourceMacs: ['02:00:00:00:00:0b'] } });
    made.push(link);
    expect(link.data).toMatchObject({ mode: 'source', sourceMacs: ['02:00:00:00:00:0b'] });
    expect(agree(name, link, macvlanFields)).toBeGreaterThanOrEqual(4);
    await link.set({ data: { sourceMacs: ['02:00:00:00:00:0c', '02:00:00:00:00:0d'] } });
    expect(link.data!.sourceMacs).toEqual(['02:00:00:00:00:0c', '02:00:00:00:00:0d']);
    expect(agree(name, link, macvlanFields)).toBeGreaterThanOrEqual(4);
  });

  test('vxlan: create and set, ip -d -json agrees field by field', async () => {
    const name = uniqueName('vx');
    const link = await Link.create({
      kind: 'vxlan',
      name,
      data: { vni: 42, local: '10.0.0.1', remote: '10.0.0.2', dev: parent, dstport: 4789, ttl: 64, learning: false, udpCsum: true, srcPortRange: { low: 1000, high: 2000 } },
    });
    made.push(link);
    const devName = () => (link.data!.dev === parent.index ? parent.name : `index ${link.data!.dev}`);
    expect(link.data).toMatchObject({ vni: 42, remote: '10.0.0.2', local: '10.0.0.1', dstport: 4789, ttl: 64, learning: false, udpCsum: true, dev: parent.index });
    expect(agree(name, link, vxlanFields(devName))).toBeGreaterThanOrEqual(12);

    await link.set({ data: { ttl: 32, learning: true, ageing: 600, remote: '10.0.0.3' } });
    expect(link.data).toMatchObject({ vni: 42, ttl: 32, learning: true, ageing: 600, remote: '10.0.0.3' });
    expect(agree(name, link, vxlanFields(devName))).toBeGreaterThanOrEqual(12);
  });

  test('vxlan over IPv6 with a multicast group by name of its device', async () => {
    const name = uniqueName('vg');
    const link = await Link.create({ kind: 'vxlan', name, data: { vni: 7, group: 'ff05::100', dev: parent.name, dstport: 4789 } });
    made.push(link);
    expect(link.data).toMatchObject({ vni: 7, group: 'ff05::100', dev: parent.index });
    expect(agree(name, link, vxlanFields(() => parent.name))).toBeGreaterThanOrEqual(8);
  });

  test('ifb: create and set (no kind data on either side)', async () => {
    const name = uniqueName('ifb');
    const link = await Link.create({ kind: 'ifb', name });
    made.push(link);
    expect(link.kind).toBe('ifb');
    expect(link.data).toEqual({});
    expect(agree(name, link, {})).toBe(0);
    await link.set({ mtu: 1400, data: {} });
    expect(ipLink(name)).toMatchObject({ ifname: name });
    expect(link.mtu).toBe(1400);
    expect(agree(name, link, {})).toBe(0);
  });

  test('a macvlan for a container namespace, on a parent in this (host) namespace', async () => {
    const container = await Namespace.create();
    try {
      const link = await Link.create({ kind: 'macvlan', name: 'eth0', namespace: container, parent, data: { mode: 'bridge' }, up: true });
      expect(link.namespace).toBe(container);
      expect(link.name).toBe('eth0');
      expect(link.data).toMatchObject({ mode: 'bridge' });
      // Seen from inside: a macvlan named eth0, its parent in another namespace (link_netnsid).
      const inside = (await container.links()).find((l) => l.name === 'eth0')!;
      expect(inside.kind).toBe('macvlan');
      expect(inside.linkNetnsid).toBeDefined();
      expect(inside.parentIndex).toBe(parent.index);
      // Nothing was left behind on the host side.
      expect((await Link.list()).some((l) => l.name === 'eth0')).toBe(false);
      const { stdout } = await container.exec('ip', ['-d', '-json', 'link', 'show', 'eth0']);
      const seen = (JSON.parse(stdout) as IpLinkInfo[])[0]!;
      expect(seen.linkinfo).toMatchObject({ info_kind: 'macvlan', info_data: { mode: 'bridge' } });
    } finally {
      await container.close();
    }
  });

  test('closing the target namespace while the cross-namespace create is in flight: no link in the wrong place', async () => {
    const container = await Namespace.create();
    const creating = Link.create({ kind: 'macvlan', name: uniqueName('mc'), namespace: container, parent });
    const closing = container.close();
    const outcome = await creating.then(
      (l) => l,
      (e: unknown) => e,
    );
    await closing;
    // Either it was made in the container (fd held until the kernel answered) or refused; never here.
    expect((await Link.list()).filter((l) => l.kind === 'macvlan' && l.parentIndex === parent.index && l.name.startsWith('mc'))).toEqual([]);
    if (outcome instanceof Link) expect(outcome.namespace).toBe(container);
  });

  test('kinds this kernel lacks fail with KernelFeatureError naming the kind', async () => {
    for (const [kind, data] of [
      ['dummy', undefined],
      ['vrf', { table: 10 }],
      ['bond', { mode: '802.3ad' }],
    ] as const) {
      const err = await Link.create({ kind, name: uniqueName('nk'), ...(data ? { data } : {}) } as never).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KernelFeatureError);
      expect((err as KernelFeatureError).feature).toBe(`link kind "${kind}"`);
    }
  });

  test('wrong arguments are InvalidArgumentError before the kernel, never a TypeError', async () => {
    const cases: [unknown, string][] = [
      [{ kind: 'macvlan', name: uniqueName('x') }, 'parent'],
      [{ kind: 'macvlan', name: uniqueName('x'), parent: { index: 'x' } }, 'parent'],
      [{ kind: 'macvlan', name: uniqueName('x'), parent: parent.name, data: { mode: 'bridge', sourceMacs: 'x' } }, 'data.sourceMacs'],
      [{ kind: 'vxlan', name: uniqueName('x'), data: { vni: 1, dev: 42n } }, 'data.dev'],
      [{ kind: 'macvlan', name: uniqueName('x'), parent: parent.name, parentNamespace: 'host' }, 'parentNamespace'],
      [null, 'options'],
    ];
    for (const [opts, argument] of cases) {
      const err = await Link.create(opts as never).catch((e: unknown) => e);
      expect([argument, err]).toEqual([argument, expect.any(InvalidArgumentError)]);
      expect((err as InvalidArgumentError).argument).toBe(argument);
    }
  });
});
