// SPDX-License-Identifier: MIT
// One family of links: a Bridge is a Link, a veth end is a Link, a TunTap's device is accepted
// wherever a link is, a name too; wrong types are InvalidArgumentError; `await using` removes
// what a scope made. Cross-checked with `ip -json`.
import { Bridge, InvalidArgumentError, Link, Namespace, TunTap, VethPair } from '../../src';
import { describeKernel, ip, uniqueName } from '../helpers/sandbox';

const ipJ = (...a: string[]) => JSON.parse(ip('-json', ...a));
const exists = (ns: Namespace, name: string) => ipJ('-n', ns.name!, 'link', 'show').some((l: { ifname: string }) => l.ifname === name);

describeKernel('one family of links', () => {
  jest.setTimeout(30_000);
  let ns: Namespace;
  beforeEach(async () => {
    ns = await Namespace.create(uniqueName('lf'));
  });
  afterEach(async () => {
    await ns.delete();
  });

  test('a Bridge is a Link: addresses, up, MTU through Link methods; set() mixes both kinds of option', async () => {
    const br = await Bridge.create('br0', { namespace: ns });
    expect(br).toBeInstanceOf(Link);
    expect(br.kind).toBe('bridge');
    expect(br.link).toBe(br);
    await br.setUp();
    await br.addAddress('10.9.0.1/24');
    await br.set({ mtu: 1400, stp: true, forwardDelay: 5 });
    const [shown] = ipJ('-n', ns.name!, '-d', 'addr', 'show', 'br0');
    expect(shown.flags).toContain('UP');
    expect(shown.mtu).toBe(1400);
    expect(shown.addr_info.map((a: { local: string }) => a.local)).toContain('10.9.0.1');
    expect(shown.linkinfo.info_data).toMatchObject({ stp_state: 1, forward_delay: 500 });
    expect(br.data).toMatchObject({ stp: true, forwardDelay: 5 });
  });

  test('setMaster takes a Bridge, a name, or null; a TunTap is a port like any link', async () => {
    const br = await Bridge.create('br0', { namespace: ns });
    const pair = await VethPair.create({ name: 've0', namespace: ns, peer: { name: 've1' } });
    expect(pair.local).toBeInstanceOf(Link);
    await pair.local.setMaster(br);
    expect(pair.local.masterIndex).toBe(br.index);
    await pair.peer.setMaster('br0');
    expect(pair.peer.masterIndex).toBe(br.index);
    await pair.peer.setMaster(null);
    expect(pair.peer.masterIndex).toBeUndefined();
    const byName = await VethPair.create({ name: 've2', namespace: ns, peer: { name: 've3' }, master: 'br0' });
    expect(byName.local.masterIndex).toBe(br.index);
    expect(ipJ('-n', ns.name!, 'link', 'show', 've2')[0].master).toBe('br0');
    await byName.delete();
    const made = await Link.create({ kind: 'macvlan', name: 'mvm', namespace: ns, parent: 've1', master: br });
    expect(made.masterIndex).toBe(br.index);
    expect(ipJ('-n', ns.name!, 'link', 'show', 'mvm')[0].master).toBe('br0');
    await made.delete();
    const tap = await TunTap.create({ mode: 'tap', name: 'tap0', namespace: ns });
    try {
      await br.addPort(tap);
      await br.addPort('ve1', { hairpin: true });
      expect((await br.ports()).map((p) => p.name).sort()).toEqual(['tap0', 've0', 've1']);
      expect(ipJ('-n', ns.name!, 'link', 'show', 'tap0')[0].master).toBe('br0');
      await br.removePort(tap);
      expect((await br.ports()).map((p) => p.name).sort()).toEqual(['ve0', 've1']);
    } finally {
      await tap.close();
    }
  });

  test('wrong argument types are InvalidArgumentError, not TypeError', async () => {
    const br = await Bridge.create('br0', { namespace: ns });
    const pair = await VethPair.create({ name: 've0', namespace: ns, peer: { name: 've1' } });
    const bad: [() => Promise<unknown>, string][] = [
      [() => pair.local.setMaster({} as never), 'master'],
      [() => pair.local.setMaster(42n as never), 'master'],
      [() => br.addPort({ index: 3 } as never), 'port'],
      [() => br.addPort(undefined as never), 'port'],
      [() => br.setPort(null as never, { hairpin: true }), 'port'],
      [() => br.addFdb({} as never, '02:00:00:00:00:01'), 'port'],
      [() => Bridge.create('br1', 'stp' as never), 'options'],
      [() => VethPair.create(undefined as never), 'options'],
      [() => VethPair.create({ name: 'x0', peer: { name: 'x1' }, master: 7n as never }), 'master'],
    ];
    for (const [call, argument] of bad) {
      const err = await call().catch((e: unknown) => e);
      expect([argument, err]).toEqual([argument, expect.any(InvalidArgumentError)]);
      expect((err as InvalidArgumentError).argument).toBe(argument);
    }
  });

  test('await using removes a Link, a VethPair and a Bridge at the end of the scope', async () => {
    {
      await using br = await Bridge.create('brs', { namespace: ns });
      await using pair = await VethPair.create({ name: 'vs0', namespace: ns, peer: { name: 'vs1' } });
      await using mv = await Link.create({ kind: 'macvlan', name: 'mvs', namespace: ns, parent: 'vs0' });
      expect([br.name, pair.local.name, mv.name].every((n) => exists(ns, n))).toBe(true);
    }
    expect(['brs', 'vs0', 'vs1', 'mvs'].filter((n) => exists(ns, n))).toEqual([]);
    // A link already gone is no error at the end of its scope.
    {
      await using gone = await Link.create({ kind: 'ifb', name: 'ifs', namespace: ns });
      await gone.delete();
    }
  });
});
