// SPDX-License-Identifier: MIT
// Firewall and NAT over nf_tables netlink, checked with nft as the independent oracle (rule by
// rule, by handle) and with real traffic between namespaces this test makes.
import { execFileSync } from 'node:child_process';
import type { Socket } from 'node:net';
import { Firewall, InvalidArgumentError, Namespace, VethPair } from '../../src';
import { describeKernel, uniqueName } from '../helpers/sandbox';

const nft = (ns: string, ...args: string[]) => execFileSync('ip', ['netns', 'exec', ns, 'nft', ...args], { encoding: 'utf8' });

/** `nft -a list table` of a namespace: handle -> [chain, rule text without the handle]. */
function nftRules(ns: string, table = 'vnetkit'): Map<bigint, [string, string]> {
  const out = new Map<bigint, [string, string]>();
  let chain = '';
  for (const line of nft(ns, '-a', 'list', 'table', 'inet', table).split('\n')) {
    const c = /^\s*chain (\S+) \{/.exec(line);
    if (c) chain = c[1]!;
    if (c || /^\s*table /.test(line)) continue;
    const r = /^\s+(.*\S) # handle (\d+)$/.exec(line);
    if (r && !/^type /.test(r[1]!)) out.set(BigInt(r[2]!), [chain, r[1]!]);
  }
  return out;
}

async function expectSameAsNft(fw: Firewall, ns: string): Promise<void> {
  const ours = new Map((await fw.rules()).map((r) => [r.handle, [r.chain, r.toString()] as [string, string]]));
  expect(ours).toEqual(nftRules(ns));
}

describeKernel('Firewall (nf_tables over netlink)', () => {
  jest.setTimeout(60_000);

  test('rules written through vnetkit are exactly what nft lists, rule by rule; owners are removed alone', async () => {
    const name = uniqueName('fw');
    const ns = await Namespace.create(name);
    try {
      const fw = await Firewall.open(ns);
      // Made together: one batch (with the table and its chains, the first time).
      const [masq, ports, drop, accept] = await Promise.all([
        fw.masquerade({ source: '10.88.0.0/16', owner: 'ctr1' }),
        fw.portMap({ protocol: 'tcp', hostPort: 8080, to: '10.88.0.2', toPort: 80, owner: 'ctr1' }),
        fw.addRule({ chain: 'forward', inInterface: 'br0', protocol: 'tcp', destinationPort: 22, verdict: 'drop', owner: 'ctr2' }),
        fw.addRule({ chain: 'forward', ctState: ['established', 'related'], verdict: 'accept' }),
      ]);
      expect(masq.toString()).toBe('ip saddr 10.88.0.0/16 ip daddr != 10.88.0.0/16 masquerade comment "ctr1"');
      expect(ports.map(String)).toEqual([
        'meta nfproto ipv4 fib daddr type local tcp dport 8080 dnat ip to 10.88.0.2:80 comment "ctr1"',
        'meta nfproto ipv4 fib daddr type local tcp dport 8080 dnat ip to 10.88.0.2:80 comment "ctr1"',
        'ip saddr 10.88.0.2 ip daddr 10.88.0.2 tcp dport 80 masquerade comment "ctr1"',
        'ip saddr 127.0.0.0/8 ip daddr 10.88.0.2 tcp dport 80 masquerade comment "ctr1"',
      ]);
      expect(drop.toString()).toBe('iifname "br0" tcp dport 22 drop comment "ctr2"');
      expect(accept.toString()).toBe('ct state established,related accept');
      await expectSameAsNft(fw, name);
      expect(await fw.owners()).toEqual(['ctr1', 'ctr2']);

      expect(await fw.removeOwner('ctr1')).toBe(5);
      await expectSameAsNft(fw, name);
      expect([...nftRules(name).values()].map(([, text]) => text).sort()).toEqual([accept.toString(), drop.toString()].sort());
      await drop.remove();
      expect([...nftRules(name).values()].map(([, text]) => text)).toEqual([accept.toString()]);
      await fw.delete();
      expect(nft(name, 'list', 'tables')).toBe('');
      await fw.close();
    } finally {
      await ns.delete();
    }
  });

  test('a refused rule fails alone; the rules sent with it are applied, and nothing else changed', async () => {
    const name = uniqueName('fw');
    const ns = await Namespace.create(name);
    try {
      const fw = await Firewall.open(ns);
      const [good, bad] = await Promise.allSettled([
        fw.addRule({ chain: 'input', protocol: 'udp', destinationPort: 53, verdict: 'accept', owner: 'a' }),
        fw.addRule({ chain: 'input', verdict: { jump: 'no-such-chain' }, owner: 'a' }),
      ]);
      expect(good.status).toBe('fulfilled');
      expect(bad).toMatchObject({ status: 'rejected', reason: { code: 'ENOENT', op: 'NFT_MSG_NEWRULE' } });
      expect((bad as PromiseRejectedResult).reason.message).toMatch(/jump no-such-chain/);
      await expectSameAsNft(fw, name);
      expect(nftRules(name).size).toBe(1);
      await fw.close();
    } finally {
      await ns.delete();
    }
  });

  test('a table deleted by someone else is made again by the next write', async () => {
    const name = uniqueName('fw');
    const ns = await Namespace.create(name);
    try {
      const fw = await Firewall.open(ns);
      await fw.masquerade({ source: '10.7.0.0/24' });
      nft(name, 'delete', 'table', 'inet', 'vnetkit');
      const again = await fw.masquerade({ source: '10.7.1.0/24' });
      expect([...nftRules(name).values()]).toEqual([['postrouting', String(again)]]);
      // A refused call still fails alone after that (no chain "missing" is ever made).
      await expect(fw.addRule({ chain: 'input', verdict: { jump: 'missing' } })).rejects.toMatchObject({ code: 'ENOENT' });
      await fw.close();
    } finally {
      await ns.delete();
    }
  });

  test("a call's messages stand or fall together: remove([a, b]) with b already gone leaves a", async () => {
    const name = uniqueName('fw');
    const ns = await Namespace.create(name);
    try {
      const fw = await Firewall.open(ns);
      const [a, b] = await Promise.all([fw.masquerade({ source: '10.6.0.0/24' }), fw.masquerade({ source: '10.6.1.0/24' })]);
      nft(name, 'delete', 'rule', 'inet', 'vnetkit', 'postrouting', 'handle', String(b.handle)); // someone else
      await expect(fw.remove([a, b])).rejects.toMatchObject({ code: 'ENOENT' });
      expect([...nftRules(name).keys()]).toEqual([a.handle]);
      // A port map is one such call: its four rules are added together.
      expect((await fw.portMap({ protocol: 'tcp', hostPort: 8080, to: '10.6.0.2' })).length).toBe(4);
      await fw.close();
    } finally {
      await ns.delete();
    }
  });

  test('tables of others are never touched, and a lifetime: "process" table goes with its socket', async () => {
    const name = uniqueName('fw');
    const ns = await Namespace.create(name);
    try {
      execFileSync('ip', ['netns', 'exec', name, 'nft', 'add table ip other; add chain ip other c; add rule ip other c tcp dport 1 drop comment "ctr1"'], { encoding: 'utf8' });
      const before = nft(name, 'list', 'table', 'ip', 'other');
      const fw = await Firewall.open(ns, { table: 'mine', lifetime: 'process' });
      await fw.masquerade({ source: '10.1.0.0/24', owner: 'ctr1' });
      expect(await fw.removeOwner('ctr1')).toBe(1);
      expect(nft(name, 'list', 'table', 'ip', 'other')).toBe(before);
      expect(nft(name, 'list', 'tables')).toContain('table inet mine');
      await fw.close();
      for (let i = 0; i < 50 && nft(name, 'list', 'tables').includes('mine'); i++) await new Promise((r) => setTimeout(r, 20));
      expect(nft(name, 'list', 'tables').trim()).toBe('table ip other');
    } finally {
      await ns.delete();
    }
  });

  test('a policy set by one handle survives another handle writing to the table', async () => {
    const name = uniqueName('fw');
    const ns = await Namespace.create(name);
    try {
      const a = await Firewall.open(ns);
      await a.setPolicy('forward', 'drop');
      const b = await Firewall.open(ns);
      await b.masquerade({ source: '10.5.0.0/24' });
      expect(nft(name, 'list', 'chain', 'inet', 'vnetkit', 'forward')).toContain('policy drop;');
      expect(nft(name, 'list', 'chain', 'inet', 'vnetkit', 'input')).toContain('policy accept;');
      await Promise.all([a.close(), b.close()]);
    } finally {
      await ns.delete();
    }
  });

  test('bad input is refused before the kernel', async () => {
    const ns = await Namespace.create();
    try {
      const fw = await Firewall.open(ns);
      await expect(fw.masquerade({ source: '10.88.0.1/16' })).rejects.toBeInstanceOf(InvalidArgumentError); // host bits set
      await expect(fw.masquerade({ source: 'not-an-ip' })).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(fw.masquerade({ source: '0.0.0.0/0' })).rejects.toThrow(/negated \/0/); // "ip daddr != 0/0" matches nothing
      await expect(fw.masquerade({ source: '10.0.0.0/8', owner: 'a\0b' })).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(fw.addRule({ chain: 'nope' as never, verdict: 'accept' })).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(fw.addRule({ chain: 'input', destinationPort: 80, verdict: 'accept' })).rejects.toThrow(/needs protocol/);
      await expect(fw.portMap({ protocol: 'tcp', hostPort: 70000, to: '10.0.0.2' })).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(fw.masquerade({ source: '10.0.0.0/8', owner: 'x'.repeat(200) })).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(Firewall.open(ns, { table: 'bad name' })).rejects.toBeInstanceOf(InvalidArgumentError);
      expect((await fw.rules()).length).toBe(0);
      await fw.close();
    } finally {
      await ns.close();
    }
  });

  describe('traffic between namespaces', () => {
    // container (10.88.0.2) --veth-- host (10.88.0.1 | 192.0.2.1) --veth-- outside (192.0.2.2).
    // The outside has no route to 10.88.0.0/24: only NAT makes the two talk.
    let ctr: Namespace;
    let host: Namespace;
    let out: Namespace;
    let fw: Firewall;

    beforeAll(async () => {
      [ctr, host, out] = await Promise.all([Namespace.create(), Namespace.create(), Namespace.create()]);
      const inner = await VethPair.create({ name: 'hct', namespace: host, peer: { name: 'eth0', namespace: ctr }, up: true });
      const outer = await VethPair.create({ name: 'hout', namespace: host, peer: { name: 'eth0', namespace: out }, up: true });
      await Promise.all([
        inner.local.addAddress('10.88.0.1/24'),
        inner.peer.addAddress('10.88.0.2/24'),
        outer.local.addAddress('192.0.2.1/24'),
        outer.peer.addAddress('192.0.2.2/24'),
        // IPv6 too, without duplicate address detection (the addresses are usable at once).
        inner.local.addAddress('fd88::1/64', { noDad: true }),
        inner.peer.addAddress('fd88::2/64', { noDad: true }),
        outer.local.addAddress('2001:db8::1/64', { noDad: true }),
        outer.peer.addAddress('2001:db8::2/64', { noDad: true }),
      ]);
      await ctr.addRoute({ to: 'default', via: '10.88.0.1' });
      await ctr.addRoute({ to: 'default', via: 'fd88::1' });
      await host.sysctl.set({ 'net.ipv4.ip_forward': 1, 'net.ipv4.conf.hct.route_localnet': 1, 'net.ipv6.conf.all.forwarding': 1 });
      fw = await Firewall.open(host);
      await Promise.all([
        fw.masquerade({ source: '10.88.0.0/24', owner: 'ctr' }),
        fw.masquerade({ source: 'fd88::/64', owner: 'ctr' }),
        fw.portMap({ protocol: 'tcp', hostPort: 8080, to: '10.88.0.2', toPort: 80, owner: 'ctr' }),
        fw.addRule({ chain: 'forward', protocol: 'tcp', destinationPort: 7001, verdict: 'drop', owner: 'ctr' }),
      ]);
    });
    afterAll(async () => {
      await fw?.close();
      await Promise.all([ctr, host, out].map((n) => n?.close()));
    });

    /** Connects from `from` to host:port; resolves with the peer address the server saw, or rejects. */
    async function connectSeen(from: Namespace, serverNs: Namespace, serverHost: string, host: string, port: number, serverPort = port): Promise<string> {
      let seen = '';
      const server = await serverNs.listen({ port: serverPort, host: serverHost }, (s) => {
        seen = s.remoteAddress ?? '';
        s.end('hi');
      });
      try {
        const socket = await from.connect({ port, host, timeout: 1500 });
        const data = await new Promise<string>((resolve) => {
          let got = '';
          socket.on('data', (b) => (got += b)).on('end', () => resolve(got));
        });
        (socket as Socket).destroy();
        expect(data).toBe('hi');
        return seen;
      } finally {
        server.close();
      }
    }

    test('the container reaches the outside with the host address (masquerade)', async () => {
      expect(await connectSeen(ctr, out, '0.0.0.0', '192.0.2.2', 7000)).toBe('192.0.2.1');
    });

    test('IPv6: the container reaches the outside with the host address (masquerade)', async () => {
      expect(await connectSeen(ctr, out, '::', '2001:db8::2', 7002)).toBe('2001:db8::1');
    });

    test('the outside reaches hostIp:8080 and lands in the container on 80 (DNAT)', async () => {
      expect(await connectSeen(out, ctr, '0.0.0.0', '192.0.2.1', 8080, 80)).toBe('192.0.2.2');
    });

    test('the host itself reaches 127.0.0.1:8080 (route_localnet, as CNI portmap does)', async () => {
      expect(await connectSeen(host, ctr, '0.0.0.0', '127.0.0.1', 8080, 80)).toBe('10.88.0.1');
    });

    test('the container reaches its own mapped port through the host (hairpin)', async () => {
      expect(await connectSeen(ctr, ctr, '0.0.0.0', '192.0.2.1', 8080, 80)).toBe('10.88.0.1');
    });

    test('a drop rule really drops', async () => {
      await expect(connectSeen(ctr, out, '0.0.0.0', '192.0.2.2', 7001)).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    });
  });
});

describeKernel('Firewall.ruleset (every table, read-only)', () => {
  test('lists every table of every family as nft list ruleset does, iptables-nft tables included', async () => {
    const name = uniqueName('rs');
    const ns = await Namespace.create(name);
    try {
      execFileSync('ip', ['netns', 'exec', name, 'nft', [
        'add table ip other',
        'add chain ip other input { type filter hook input priority filter; policy drop; }',
        'add rule ip other input ct state established,related accept',
        'add rule ip other input iifname "lo" accept',
        'add rule ip other input ip saddr 10.0.0.0/8 tcp dport 22 accept comment "ssh"',
        'add chain ip other helper',
        'add rule ip other helper return',
        'add table ip6 v6',
        'add chain ip6 v6 post { type nat hook postrouting priority srcnat; policy accept; }',
        'add rule ip6 v6 post ip6 saddr fd00::/64 masquerade',
      ].join('; ')]);
      const fw = await Firewall.open(ns);
      await fw.masquerade({ source: '10.88.0.0/16', owner: 'c1' });
      await fw.close();
      const rs = await Firewall.ruleset(ns);
      expect(rs.tables.map((t) => `${t.family} ${t.name}`)).toEqual(['ip other', 'ip6 v6', 'inet vnetkit']);
      expect(String(rs)).toBe(nft(name, 'list', 'ruleset'));
      // iptables-nft's tables are listed too (read-only), with their rules.
      execFileSync('ip', ['netns', 'exec', name, 'iptables', '-t', 'nat', '-A', 'POSTROUTING', '-s', '10.9.0.0/16', '-j', 'MASQUERADE']);
      const withIpt = await Firewall.ruleset(ns);
      const nat = withIpt.tables.find((t) => t.family === 'ip' && t.name === 'nat');
      expect(nat?.chains.find((c) => c.name === 'POSTROUTING')?.rules.length).toBe(1);
    } finally {
      await ns.delete();
    }
  });
});
