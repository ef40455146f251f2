// SPDX-License-Identifier: MIT
// VethPair, moves and peers across namespaces, cross-checked with `ip -json -d link`.
import { readFileSync } from 'node:fs';
import { InvalidArgumentError, Link, LinkExistsError, Namespace, NetnsImmutableError, VethPair } from '../../src';
import { describeKernel, ip, uniqueName } from '../helpers/sandbox';

interface IpLink {
  ifindex: number;
  ifname: string;
  link_index?: number;
  link_netnsid?: number;
  mtu: number;
  address: string;
  flags: string[];
}
const ipLinks = (ns: string, ...args: string[]): IpLink[] => JSON.parse(ip('-n', ns, '-json', '-d', 'link', 'show', ...args));

describeKernel('VethPair', () => {
  jest.setTimeout(30_000);
  let a: Namespace;
  let b: Namespace;
  beforeEach(async () => {
    a = await Namespace.create(uniqueName('va'));
    b = await Namespace.create(uniqueName('vb'));
  });
  afterEach(async () => {
    await a.delete();
    await b.delete();
  });

  test('peerUp: false brings up only the local end and leaves the peer down for later', async () => {
    const pair = await VethPair.create({ name: 'eth1', namespace: a, peer: { name: 'host1', namespace: b }, up: true, peerUp: false });
    expect(pair.local.isUp).toBe(true);
    expect(pair.peer.isUp).toBe(false);
    expect(ipLinks(a.name!, 'eth1')[0]!.flags).toContain('UP');
    expect(ipLinks(b.name!, 'host1')[0]!.flags).not.toContain('UP');
    await pair.peer.setUp();
    expect(ipLinks(b.name!, 'host1')[0]!.flags).toContain('UP');
    const both = await VethPair.create({ name: 'eth2', namespace: a, peer: { name: 'host2', namespace: b }, peerUp: true });
    expect(both.local.isUp).toBe(false);
    expect(both.peer.isUp).toBe(true);
    expect(ipLinks(b.name!, 'host2')[0]!.flags).toContain('UP');
  });

  test('one request puts each end in its namespace; ip agrees on link-netnsid and peer index', async () => {
    const pair = await VethPair.create({
      name: 'eth0',
      namespace: a,
      peer: { name: 'host0', namespace: b, mac: '02:00:00:00:00:02' },
      mac: '02:00:00:00:00:01',
      mtu: 1400,
      up: true,
    });
    expect(pair.local.namespace).toBe(a);
    expect(pair.peer.namespace).toBe(b);
    const [inA] = ipLinks(a.name!, 'eth0');
    const [inB] = ipLinks(b.name!, 'host0');
    expect(inA).toMatchObject({ ifindex: pair.local.index, mtu: 1400, address: '02:00:00:00:00:01', link_index: inB!.ifindex });
    expect(inB).toMatchObject({ ifindex: pair.peer.index, mtu: 1400, address: '02:00:00:00:00:02', link_index: inA!.ifindex });
    expect(inA!.flags).toContain('UP');
    expect(inB!.flags).toContain('UP');
    expect(pair.local.linkNetnsid).toBe(inA!.link_netnsid);
    expect(pair.local.linkNetnsid).toBe(await b.id(a));
    // No temporary name ever existed in either namespace or the current one.
    expect((await a.links()).map((l) => l.name).sort()).toEqual(['eth0', 'lo']);
    expect((await b.links()).map((l) => l.name).sort()).toEqual(['host0', 'lo']);

    const found = await pair.local.peer();
    expect(found.link.name).toBe('host0');
    expect(found.namespace.equals(b)).toBe(true);
    const back = await pair.peer.peer();
    expect(back.link.index).toBe(pair.local.index);
  });

  test('both ends in one namespace, up: both are up', async () => {
    const pair = await VethPair.create({ name: 's0', namespace: a, peer: { name: 's1' }, up: true });
    expect(pair.peer.namespace).toBe(a);
    for (const name of ['s0', 's1']) expect(ipLinks(a.name!, name)[0]!.flags).toContain('UP');
    expect(pair.local.linkNetnsid).toBeUndefined();
    expect((await pair.local.peer()).link.name).toBe('s1');
  });

  test('a name collision says which end, and creates nothing', async () => {
    ip('-n', b.name!, 'link', 'add', 'taken0', 'type', 'bridge');
    const err = (await VethPair.create({ name: 'x0', namespace: a, peer: { name: 'taken0', namespace: b } }).catch((e) => e)) as LinkExistsError;
    expect(err).toBeInstanceOf(LinkExistsError);
    expect(err.code).toBe('EEXIST');
    expect(err.end).toBe('peer');
    expect(err.message).toContain('"taken0"');
    ip('-n', a.name!, 'link', 'add', 'mine0', 'type', 'bridge');
    const err2 = (await VethPair.create({ name: 'mine0', namespace: a, peer: { name: 'y0', namespace: b } }).catch((e) => e)) as LinkExistsError;
    expect(err2.end).toBe('local');
    expect((await a.links()).map((l) => l.name).sort()).toEqual(['lo', 'mine0']);
    expect((await b.links()).map((l) => l.name).sort()).toEqual(['lo', 'taken0']);
  });

  test('queues: one per end unless asked (ip shows num_tx/rx_queues), per end or for both', async () => {
    const queues = (ns: string, name: string): [number, number] => {
      const l = ipLinks(ns, name)[0] as unknown as { num_tx_queues: number; num_rx_queues: number };
      return [l.num_tx_queues, l.num_rx_queues];
    };
    await VethPair.create({ name: 'q0', namespace: a, peer: { name: 'q0p', namespace: b }, up: true });
    expect(queues(a.name!, 'q0')).toEqual([1, 1]);
    expect(queues(b.name!, 'q0p')).toEqual([1, 1]);
    await VethPair.create({ name: 'q1', namespace: a, txQueues: 4, rxQueues: 2, peer: { name: 'q1p', namespace: b, txQueues: 3 } });
    expect(queues(a.name!, 'q1')).toEqual([4, 2]);
    expect(queues(b.name!, 'q1p')).toEqual([3, 2]);
    await Link.create({ kind: 'veth', name: 'q2', namespace: a, peer: { name: 'q2p', rxQueues: 5 } });
    expect(queues(a.name!, 'q2')).toEqual([1, 1]);
    expect(queues(a.name!, 'q2p')).toEqual([1, 5]);
    await expect(VethPair.create({ name: 'q3', namespace: a, txQueues: 0, peer: { name: 'q3p', namespace: b } })).rejects.toMatchObject({ argument: 'txQueues' });
    await expect(VethPair.create({ name: 'q3', namespace: a, peer: { name: 'q3p', namespace: b, rxQueues: 4097 } })).rejects.toMatchObject({ argument: 'peer.rxQueues' });
  });

  test('bad input is refused before the kernel, and nothing is left anywhere', async () => {
    await expect(VethPair.create({ name: 'ok0', namespace: a, peer: { name: 'p'.repeat(16), namespace: b } })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(VethPair.create({ name: 'ok0', namespace: a, mac: '02:00:00:00:00', peer: { name: 'p0', namespace: b } })).rejects.toMatchObject({ argument: 'mac' });
    await expect(VethPair.create({ name: 'ok0', namespace: a, mtu: 10, peer: { name: 'p0', namespace: b } })).rejects.toMatchObject({ argument: 'mtu' });
    const closed = await Namespace.create();
    await closed.close();
    await expect(VethPair.create({ name: 'ok0', namespace: a, peer: { name: 'p0', namespace: closed } })).rejects.toMatchObject({ code: 'ERR_VNETKIT_CLOSED' });
    expect((await a.links()).map((l) => l.name)).toEqual(['lo']);
    expect((await b.links()).map((l) => l.name)).toEqual(['lo']);
  });

  test('moveTo() moves a link there and back, renaming it; netns-local devices say why they cannot move', async () => {
    const link = await Link.create({ namespace: a, kind: 'veth', name: 'm0', peer: { name: 'm1' } });
    const moved = await link.moveTo(b, { name: 'inside0' });
    expect(moved.namespace).toBe(b);
    expect(ipLinks(b.name!, 'inside0')).toHaveLength(1);
    expect((await a.links()).map((l) => l.name).sort()).toEqual(['lo', 'm1']);
    const home = await moved.moveTo(Namespace.current(), { name: uniqueName('hm') });
    expect(ip('-o', 'link', 'show', home.name)).toContain(home.name);
    await home.delete();

    const br = await Link.create({ namespace: a, kind: 'bridge', name: 'br0' });
    await expect(br.moveTo(b)).rejects.toBeInstanceOf(NetnsImmutableError);
    await expect((await a.link('lo')).moveTo(b)).rejects.toMatchObject({ code: 'EINVAL', message: expect.stringMatching(/netns-local/) });
    expect((await b.links()).map((l) => l.name)).toEqual(['lo']);
  });

  test('setMaster() attaches to a bridge and detaches; a master in another namespace is refused', async () => {
    const br = await Link.create({ namespace: a, kind: 'bridge', name: 'br0' });
    const pair = await VethPair.create({ name: 'p0', namespace: a, peer: { name: 'p1', namespace: b } });
    await pair.local.setMaster(br);
    expect(pair.local.masterIndex).toBe(br.index);
    expect(ip('-n', a.name!, '-o', 'link', 'show', 'p0')).toContain('master br0');
    await pair.local.setMaster(null);
    expect(pair.local.masterIndex).toBeUndefined();
    await expect(pair.peer.setMaster(br)).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  test('deleting one end removes both', async () => {
    const pair = await VethPair.create({ name: 'd0', namespace: a, peer: { name: 'd1', namespace: b } });
    await pair.delete();
    expect((await a.links()).map((l) => l.name)).toEqual(['lo']);
    // The peer's namespace sees it go once the kernel has finished unregistering it.
    const deadline = Date.now() + 2000;
    while ((await b.links()).length > 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect((await b.links()).map((l) => l.name)).toEqual(['lo']);
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).toContain(a.name!);
  });
});

describeKernel('two namespaces end to end (the demo topology)', () => {
  test('veth pair, addresses, default route; TCP echo and a UDP datagram cross; nothing is left', async () => {
    const red = await Namespace.create();
    const blue = await Namespace.create();
    try {
      const { local, peer } = await VethPair.create({ name: 'eth0', namespace: red, peer: { name: 'eth0', namespace: blue }, up: true });
      await local.addAddress('10.0.0.1/24');
      await peer.addAddress('10.0.0.2/24');
      await blue.addRoute({ to: 'default', via: '10.0.0.1' });
      expect((await local.addresses(4)).map((a) => a.cidr)).toEqual(['10.0.0.1/24']);
      expect(await blue.routes()).toContainEqual(expect.objectContaining({ to: 'default', via: '10.0.0.1', dev: peer.index }));

      const server = await blue.listen({ port: 0, host: '10.0.0.2' }, (s) => s.pipe(s));
      const sock = await red.connect({ port: (server.address() as { port: number }).port, host: '10.0.0.2' });
      const echoed = new Promise<string>((r) => sock.once('data', (d) => r(d.toString())));
      sock.write('round trip');
      expect(await echoed).toBe('round trip');
      sock.destroy();
      await new Promise((r) => server.close(r));

      const rx = await red.createUdpSocket({ address: '10.0.0.1' });
      const tx = await blue.createUdpSocket();
      const got = new Promise<string>((r) => rx.once('message', (m, info) => r(`${m} ${info.address}`)));
      tx.send('datagram', rx.address().port, '10.0.0.1');
      expect(await got).toBe('datagram 10.0.0.2');
      rx.close();
      tx.close();
    } finally {
      await red.close();
      await blue.close();
    }
    expect((await Namespace.current().links()).some((l) => l.name === 'eth0')).toBe(false);
  });
});
