// SPDX-License-Identifier: MIT
// An L2 overlay across two "hosts" (namespaces joined by an underlay veth), built only with
// vnetkit: on each host a vxlan (vni 42) on the underlay, a bridge with the vxlan as a port and an
// address, and the other host's endpoint in the vxlan's own FDB (head-end replication, as
// flannel/Docker overlay set it). TCP then crosses the overlay; `bridge -j fdb` is the oracle.
import { Bridge, Link, Namespace, VethPair } from '../../src';
import { describeKernel } from '../helpers/sandbox';

describeKernel('vxlan overlay across hosts', () => {
  jest.setTimeout(30_000);

  test('two hosts, one segment: FDB dst entries, then TCP over the overlay', async () => {
    await using hostA = await Namespace.create();
    await using hostB = await Namespace.create();
    const underlay = await VethPair.create({ name: 'eth0', namespace: hostA, peer: { name: 'eth0', namespace: hostB }, up: true });
    await underlay.local.addAddress('10.0.0.1/24');
    await underlay.peer.addAddress('10.0.0.2/24');

    const host = async (ns: Namespace, self: string, other: string, overlayAddr: string) => {
      const vx = await Link.create({ kind: 'vxlan', name: 'vx42', namespace: ns, data: { vni: 42, local: self, dev: 'eth0', dstport: 4789 }, up: true });
      const br = await Bridge.create('br0', { namespace: ns, up: true });
      await br.addPort(vx);
      await br.addFdb(vx, '00:00:00:00:00:00', { self: true, append: true, dst: other, state: 'permanent' });
      await br.addAddress(overlayAddr);
      return { vx, br };
    };
    const a = await host(hostA, '10.0.0.1', '10.0.0.2', '192.168.42.1/24');
    await host(hostB, '10.0.0.2', '10.0.0.1', '192.168.42.2/24');

    // The vxlan's own table, as `bridge fdb` shows it, and as vnetkit reads it.
    const { stdout } = await hostA.exec('bridge', ['-j', 'fdb', 'show', 'dev', 'vx42']);
    const entries = JSON.parse(stdout) as { mac: string; dst?: string; flags: string[] }[];
    expect(entries).toEqual(expect.arrayContaining([expect.objectContaining({ mac: '00:00:00:00:00:00', dst: '10.0.0.2', flags: expect.arrayContaining(['self']) })]));
    const ours = await a.br.fdb();
    expect(ours).toEqual(expect.arrayContaining([expect.objectContaining({ mac: '00:00:00:00:00:00', ifindex: a.vx.index, dst: '10.0.0.2', flags: expect.arrayContaining(['self']) })]));

    // Traffic: hostA's bridge address to hostB's, through vxlan over the underlay.
    const server = await hostB.listen({ port: 0, host: '192.168.42.2' }, (s) => s.pipe(s));
    try {
      const port = (server.address() as { port: number }).port;
      const sock = await hostA.connect({ port, host: '192.168.42.2' });
      const echoed = new Promise<string>((res) => sock.once('data', (d) => res(d.toString())));
      sock.write('across the overlay');
      expect(await echoed).toBe('across the overlay');
      expect(sock.localAddress).toBe('192.168.42.1');
      sock.destroy();
    } finally {
      await new Promise((r) => server.close(r));
    }
    // What was learned: hostB's bridge MAC, behind endpoint 10.0.0.2.
    const learned = (await a.br.fdb()).filter((e) => e.ifindex === a.vx.index && e.dst === '10.0.0.2' && e.mac !== '00:00:00:00:00:00');
    expect(learned.length).toBeGreaterThanOrEqual(1);
  });
});
