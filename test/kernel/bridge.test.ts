// SPDX-License-Identifier: MIT
// Bridges on the real kernel, cross-checked with `bridge -json` and `ip -json -d link`.
import { Bridge, InvalidArgumentError, KernelFeatureError, Link, Namespace, NetnsImmutableError, VethPair } from '../../src';
import { describeKernel, ip, uniqueName } from '../helpers/sandbox';

const ipJ = (...a: string[]) => JSON.parse(ip('-json', ...a));

describeKernel('Bridge', () => {
  jest.setTimeout(60_000);
  let ns: Namespace;
  beforeEach(async () => {
    ns = await Namespace.create(uniqueName('br'));
  });
  afterEach(async () => {
    await ns.delete();
  });

  test('create with options; options() and ip -d agree (stp_state, forward_delay, priority, ageing_time)', async () => {
    const br = await Bridge.create('br0', { namespace: ns, stp: true, forwardDelay: 4, priority: 100, ageingTime: 30, helloTime: 3, maxAge: 12, up: true });
    const [shown] = ipJ('-n', ns.name!, '-d', 'link', 'show', 'br0');
    const d = shown.linkinfo.info_data;
    expect(d).toMatchObject({ stp_state: 1, forward_delay: 400, priority: 100, ageing_time: 3000, hello_time: 300, max_age: 1200 });
    const o = await br.options();
    expect(o).toMatchObject({ stp: true, forwardDelay: 4, priority: 100, ageingTime: 30, helloTime: 3, maxAge: 12 });
    // ip prints the id as "0064.2:0:0:0:0:1" (%x per byte); brctl and we print 0064.020000000001.
    const [prio, mac] = (d.bridge_id as string).split('.');
    expect(o.bridgeId).toBe(`${prio}.${mac!.split(':').map((x) => x.padStart(2, '0')).join('')}`);
    await br.set({ stp: false, forwardDelay: 1 });
    expect(ipJ('-n', ns.name!, '-d', 'link', 'show', 'br0')[0].linkinfo.info_data).toMatchObject({ stp_state: 0, forward_delay: 100 });
  });

  test('only the options given are sent: a plain bridge works where VLAN filtering does not', async () => {
    const br = await Bridge.create('plain0', { namespace: ns });
    expect(br.link.kind).toBe('bridge');
    const vf = await Bridge.create('vf0', { namespace: ns, vlanFiltering: true }).then(
      async (b) => {
        await b.delete(); // a kernel with the feature: fine
        return undefined;
      },
      (e) => e,
    );
    if (vf) {
      expect(vf).toBeInstanceOf(KernelFeatureError);
      expect(vf.code).toBe('EOPNOTSUPP');
      expect(vf.message).toMatch(/built without bridge VLAN filtering/);
      expect((await ns.links()).map((l) => l.name).sort()).toEqual(['lo', 'plain0']);
    }
  });

  test('ports: add with options, state/cost/priority/flags agree with `bridge -json link`; remove', async () => {
    const br = await Bridge.create('br0', { namespace: ns, up: true });
    const p = await VethPair.create({ name: 'p0', namespace: ns, peer: { name: 'p1' }, up: true });
    const q = await VethPair.create({ name: 'q0', namespace: ns, peer: { name: 'q1' }, up: true });
    await br.addPort(p.local, { hairpin: true, learning: false, cost: 7, priority: 5, isolated: true, flood: false });
    await br.addPort(q.local);
    const ports = await br.ports();
    expect(ports.map((x) => x.name).sort()).toEqual(['p0', 'q0']);
    const theirs = ipJ('-n', ns.name!, 'link', 'show', 'master', 'br0');
    expect(theirs.map((l: { ifname: string }) => l.ifname).sort()).toEqual(['p0', 'q0']);
    const bl = JSON.parse(ip('-n', ns.name!, '-json', '-d', 'link', 'show', 'dev', 'p0', 'type', 'veth'))[0];
    const blink = JSON.parse(require('node:child_process').execFileSync('bridge', ['-n', ns.name!, '-json', '-d', 'link', 'show', 'dev', 'p0'], { encoding: 'utf8' }))[0];
    const mine = ports.find((x) => x.name === 'p0')!;
    expect(bl.master).toBe('br0');
    expect(mine).toMatchObject({ state: blink.state, cost: blink.cost, priority: blink.priority, hairpin: blink.hairpin, learning: blink.learning, flood: blink.flood, isolated: blink.isolated });
    expect(mine).toMatchObject({ cost: 7, priority: 5, hairpin: true, learning: false, isolated: true, flood: false });
    expect(await br.show()).toEqual({ name: 'br0', bridgeId: expect.stringMatching(/^[0-9a-f]{4}\.[0-9a-f]{12}$/), stp: false, interfaces: ['p0', 'q0'] });
    await br.removePort(q.local);
    expect((await br.ports()).map((x) => x.name)).toEqual(['p0']);
  });

  test('fdb: static entries added and removed; the list agrees with `bridge -json fdb`', async () => {
    const br = await Bridge.create('br0', { namespace: ns, up: true });
    const p = await VethPair.create({ name: 'p0', namespace: ns, peer: { name: 'p1' }, up: true, master: br.link });
    await br.addFdb(p.local, '02:00:00:00:00:aa');
    await expect(br.addFdb(p.local, '02:00:00:00:00:aa')).rejects.toMatchObject({ code: 'EEXIST' });
    await br.addFdb(p.local, '02:00:00:00:00:aa', { replace: true });
    const theirs = JSON.parse(require('node:child_process').execFileSync('bridge', ['-n', ns.name!, '-json', 'fdb', 'show', 'br', 'br0'], { encoding: 'utf8' })) as {
      mac: string; ifname: string; state: string; flags: string[];
    }[];
    const ours = await br.fdb();
    const key = (mac: string, ifindex: number) => `${mac}@${ifindex}`;
    const names = new Map((await ns.links()).map((l) => [l.name, l.index]));
    // bridge shows the master's entries and the ports' own (self) ones; ours are the bridge's table.
    const mastered = theirs.filter((e) => !e.flags.includes('self'));
    expect(ours.map((e) => key(e.mac, e.ifindex)).sort()).toEqual(expect.arrayContaining(mastered.map((e) => key(e.mac, names.get(e.ifname)!)).sort()));
    expect(ours.find((e) => e.mac === '02:00:00:00:00:aa')).toMatchObject({ ifindex: p.local.index, state: 'static' });
    expect(mastered.find((e) => e.mac === '02:00:00:00:00:aa')).toMatchObject({ ifname: 'p0', state: 'static' });
    await br.removeFdb(p.local, '02:00:00:00:00:aa');
    expect((await br.fdb()).some((e) => e.mac === '02:00:00:00:00:aa')).toBe(false);
    await expect(br.addFdb(p.local, '02:00:00:00:00')).rejects.toMatchObject({ argument: 'mac' });
  });

  test('bad ports and options are refused with reasons, nothing half-applied', async () => {
    const br = await Bridge.create('br0', { namespace: ns });
    const other = await Bridge.create('br1', { namespace: ns });
    const elsewhere = await Namespace.create();
    try {
      const pair = await VethPair.create({ name: 'x0', namespace: ns, peer: { name: 'x1', namespace: elsewhere } });
      await expect(br.addPort(pair.peer)).rejects.toThrow(/move it first/);
      await expect(br.addPort(br.link)).rejects.toThrow(/port of itself/);
      await other.addPort(pair.local);
      await expect(br.addPort(pair.local)).rejects.toThrow(/already a port of "br1"/);
      await expect(br.link.moveTo(elsewhere)).rejects.toBeInstanceOf(NetnsImmutableError);
      await expect(Bridge.create('bad0', { namespace: ns, stp: true, forwardDelay: 1 })).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(Bridge.create('bad0', { namespace: ns, priority: 70000 })).rejects.toMatchObject({ argument: 'priority' });
      await expect(br.addVlan(pair.local, 0)).rejects.toMatchObject({ argument: 'vid' });
      await expect(br.addVlan(pair.local, 4095)).rejects.toMatchObject({ argument: 'vid' });
      await expect(Bridge.open('x0', ns)).rejects.toThrow(/not a bridge/);
      expect((await ns.links()).map((l) => l.name).sort()).toEqual(['br0', 'br1', 'lo', 'x0']);
    } finally {
      await elsewhere.close();
    }
  });

  test('three namespaces on one bridge exchange TCP through it, the bridge address as gateway', async () => {
    const br = await Bridge.create('br0', { namespace: ns, up: true });
    await br.link.addAddress('10.77.0.1/24');
    const hosts: Namespace[] = [];
    try {
      for (let i = 1; i <= 3; i++) {
        const h = await Namespace.create();
        hosts.push(h);
        const pair = await VethPair.create({ name: `port${i}`, namespace: ns, peer: { name: 'eth0', namespace: h }, up: true, master: br.link });
        await pair.peer.addAddress(`10.77.0.${10 + i}/24`);
        await h.addRoute({ to: 'default', via: '10.77.0.1' });
        expect(JSON.parse((await h.exec('ip', ['-json', 'route'])).stdout)).toContainEqual(expect.objectContaining({ dst: 'default', gateway: '10.77.0.1' }));
      }
      expect((await br.show()).interfaces).toEqual(['port1', 'port2', 'port3']);
      for (const [from, to] of [[0, 1], [1, 2], [2, 0]] as const) {
        const server = await hosts[to]!.listen({ port: 0, host: `10.77.0.${11 + to}` }, (s) => s.pipe(s));
        const port = (server.address() as { port: number }).port;
        const sock = await hosts[from]!.connect({ port, host: `10.77.0.${11 + to}` });
        const echoed = new Promise<string>((r) => sock.once('data', (d) => r(d.toString())));
        sock.write(`hello from ${from}`);
        expect(await echoed).toBe(`hello from ${from}`);
        sock.destroy();
        await new Promise((r) => server.close(r));
      }
      // The gateway route is what each host uses to reach the bridge's own address.
      const r = await hosts[0]!.exec('ip', ['-json', 'route', 'get', '10.77.0.1']);
      expect(JSON.parse(r.stdout)[0]).toMatchObject({ dev: 'eth0' });
      const fdb = JSON.parse(require('node:child_process').execFileSync('bridge', ['-n', ns.name!, '-json', 'fdb', 'show', 'br', 'br0'], { encoding: 'utf8' }));
      expect(fdb.filter((e: { ifname: string }) => e.ifname.startsWith('port')).length).toBeGreaterThanOrEqual(3);
    } finally {
      for (const h of hosts) await h.close();
    }
  });
});
