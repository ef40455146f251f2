// SPDX-License-Identifier: MIT
// Conntrack over ctnetlink, as CNI portmap uses it: a UDP port map moved from one container to
// another keeps steering the known "connection" to the old one until its entry is deleted.
// `conntrack -L` is the independent oracle; the traffic runs only between namespaces made here.
import { execFileSync } from 'node:child_process';
import type { Socket as UdpSocket } from 'node:dgram';
import { Conntrack, Firewall, InvalidArgumentError, Namespace, VethPair } from '../../src';
import { describeKernel, uniqueName } from '../helpers/sandbox';

/** Resolves with the next datagram's text, or 'nothing' after `ms`. */
function nextMessage(s: UdpSocket, ms = 1000): Promise<string> {
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      s.off('message', on);
      resolve('nothing');
    }, ms);
    const on = (b: Buffer) => {
      clearTimeout(t);
      resolve(b.toString());
    };
    s.once('message', on);
  });
}

describeKernel('Conntrack (ctnetlink)', () => {
  jest.setTimeout(60_000);

  test('a moved UDP port map reaches the new container only once the old entry is deleted', async () => {
    const hostName = uniqueName('ct');
    const host = await Namespace.create(hostName);
    const [a, b, out] = await Promise.all([Namespace.create(), Namespace.create(), Namespace.create()]);
    const sockets: UdpSocket[] = [];
    const fw = await Firewall.open(host);
    try {
      const links = await Promise.all([
        VethPair.create({ name: 'ha', namespace: host, peer: { name: 'eth0', namespace: a }, up: true }),
        VethPair.create({ name: 'hb', namespace: host, peer: { name: 'eth0', namespace: b }, up: true }),
        VethPair.create({ name: 'ho', namespace: host, peer: { name: 'eth0', namespace: out }, up: true }),
      ]);
      const addrs = [['10.77.0.1/24', '10.77.0.2/24'], ['10.77.1.1/24', '10.77.1.2/24'], ['192.0.2.1/24', '192.0.2.2/24']];
      await Promise.all(links.flatMap((p, i) => [p.local.addAddress(addrs[i]![0]!), p.peer.addAddress(addrs[i]![1]!)]));
      await Promise.all([a.addRoute({ to: 'default', via: '10.77.0.1' }), b.addRoute({ to: 'default', via: '10.77.1.1' })]);
      await host.sysctl.set('net.ipv4.ip_forward', 1);
      const inA = await a.createUdpSocket({ port: 53 });
      const inB = await b.createUdpSocket({ port: 53 });
      const sender = await out.createUdpSocket({ port: 40000 });
      sockets.push(inA, inB, sender);
      const send = (text: string) => sender.send(text, 5300, '192.0.2.1');

      await fw.portMap({ protocol: 'udp', hostPort: 5300, to: '10.77.0.2', toPort: 53, owner: 'a' });
      let got = nextMessage(inA);
      send('one');
      expect(await got).toBe('one');

      // The mapping moves to B; the entry conntrack made for 192.0.2.2:40000 still points at A.
      await fw.removeOwner('a');
      await fw.portMap({ protocol: 'udp', hostPort: 5300, to: '10.77.1.2', toPort: 53, owner: 'b' });
      got = nextMessage(inA);
      send('two');
      expect(await got).toBe('two');

      const entries = await Conntrack.list(host, { protocol: 'udp', destinationPort: 5300 });
      expect(entries).toEqual([
        expect.objectContaining({
          family: 'ipv4',
          protocol: 'udp',
          original: { source: '192.0.2.2', destination: '192.0.2.1', sourcePort: 40000, destinationPort: 5300 },
          reply: { source: '10.77.0.2', destination: '192.0.2.2', sourcePort: 53, destinationPort: 40000 },
        }),
      ]);
      // The oracle sees the same entry.
      const oracle = execFileSync('ip', ['netns', 'exec', hostName, 'conntrack', '-L', '-p', 'udp', '--dport', '5300'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      expect(oracle).toMatch(/src=192\.0\.2\.2 dst=192\.0\.2\.1 sport=40000 dport=5300 .*src=10\.77\.0\.2 dst=192\.0\.2\.2 sport=53 dport=40000/);

      expect(await Conntrack.delete(host, { protocol: 'udp', destinationPort: 5300 })).toBe(1);
      expect(await Conntrack.list(host, { protocol: 'udp', destinationPort: 5300 })).toEqual([]);
      const toB = nextMessage(inB);
      send('three');
      expect(await toB).toBe('three');
    } finally {
      for (const s of sockets) s.close();
      await fw.close();
      await Promise.all([a, b, out].map((n) => n.close()));
      await host.delete();
    }
  });

  test('filters are checked strictly: a typo or an empty filter deletes nothing', async () => {
    const ns = await Namespace.create();
    try {
      await expect(Conntrack.delete(ns, {})).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(Conntrack.delete(ns, { dport: 53 } as never)).rejects.toThrow(/unknown key "dport"/);
      await expect(Conntrack.delete(ns, { protocol: 'udp', destinationPort: undefined })).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(Conntrack.list(ns, { source: 'nope' })).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(Conntrack.list(ns, { protocol: 'gre' as never })).rejects.toBeInstanceOf(InvalidArgumentError);
      expect(await Conntrack.list(ns)).toEqual([]);
    } finally {
      await ns.close();
    }
  });
});
