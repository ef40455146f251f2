// SPDX-License-Identifier: MIT
// Addresses, routes and neighbours on the real kernel, in named namespaces so that `ip -n NS -json`
// (the independent oracle) can look at the same tables. Links are set up with `ip`, so only the
// functions under test are this library's.
import { AddressInfo } from 'node:net';
import { InvalidArgumentError, LinkNotFoundError, Namespace, NetlinkError } from '../../src';
import { addAddress, listAddresses, removeAddress, Address } from '../../src/objects/address';
import { addNeighbour, listNeighbours, removeNeighbour } from '../../src/objects/neighbour';
import { addRoute, listRoutes, removeRoute, Route } from '../../src/objects/route';
import { describeKernel, ip, uniqueName } from '../helpers/sandbox';

const ipIn = <T>(ns: Namespace, ...args: string[]): T => JSON.parse(ip('-n', ns.name!, '-json', ...args) || '[]') as T;
const ifindexes = (ns: Namespace) => new Map(ipIn<{ ifname: string; ifindex: number }[]>(ns, 'link', 'show').map((l) => [l.ifname, l.ifindex]));

interface IpAddr { ifindex: number; addr_info: { family: string; local: string; address?: string; prefixlen: number; scope: string; label?: string; broadcast?: string }[] }
/** ip's view of addresses, in our shape. */
function ipAddresses(ns: Namespace): object[] {
  return ipIn<IpAddr[]>(ns, 'addr', 'show').flatMap((l) =>
    l.addr_info.map((a) => ({
      family: a.family === 'inet' ? 4 : 6, cidr: `${a.local}/${a.prefixlen}`, ifindex: l.ifindex, scope: a.scope,
      label: a.label, broadcast: a.broadcast, peer: a.address,
    })),
  );
}
const ours = (list: Address[]) => list.map((a) => ({ family: a.family, cidr: a.cidr, ifindex: a.ifindex, scope: a.scope, label: a.label, broadcast: a.broadcast, peer: a.peer }));

interface IpRoute { dst: string; gateway?: string; dev?: string; metric?: number; prefsrc?: string; table?: string; protocol?: string; scope?: string; type?: string; nexthops?: { gateway: string; dev: string; weight: number }[] }
/**
 * ip's view of routes, in our shape. ip leaves out defaults (proto boot, scope global, type unicast)
 * and the table: main, or the one asked for with `table T` (it prints it only for `table all`).
 */
function ipRoutes(ns: Namespace, family: 4 | 6, ...args: string[]): object[] {
  const idx = ifindexes(ns);
  const asked = args[0] === 'table' && args[1] !== 'all' ? args[1]! : 'main';
  const host = family === 4 ? '/32' : '/128';
  return ipIn<IpRoute[]>(ns, `-${family}`, 'route', 'show', ...args).map((r) => ({
    family,
    to: r.dst === 'default' || r.dst.includes('/') ? r.dst : r.dst + host,
    via: r.gateway,
    dev: r.dev === undefined ? undefined : idx.get(r.dev),
    metric: r.metric,
    src: r.prefsrc,
    table: ((t) => (/^\d+$/.test(t) ? Number(t) : t))(r.table ?? asked),
    protocol: r.protocol ?? 'boot',
    scope: r.scope ?? 'global',
    type: r.type ?? 'unicast',
    nexthops: r.nexthops?.map((h) => ({ via: h.gateway, dev: idx.get(h.dev), weight: h.weight })),
  }));
}
const oursRoutes = (list: Route[]) =>
  list.map((r) => ({
    family: r.family, to: r.to, via: r.via, dev: r.dev, metric: r.metric, src: r.src, table: r.table, protocol: r.protocol, scope: r.scope, type: r.type,
    nexthops: r.nexthops?.map((h) => ({ via: h.via, dev: h.dev, weight: h.weight })),
  }));
const sorted = (xs: object[]) => xs.map((x) => JSON.stringify(x)).sort();

/**
 * The kernel adds each link's IPv6 link-local address (and its routes) once the carrier is up,
 * which linkwatch reports asynchronously; comparisons with ip must not race with that.
 */
async function linkLocalsSettled(ns: Namespace, names: string[]): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const links = ipIn<{ ifname: string; addr_info: { local: string }[] }[]>(ns, '-6', 'addr', 'show');
    if (names.every((n) => links.find((l) => l.ifname === n)?.addr_info.some((a) => a.local.startsWith('fe80:')))) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no IPv6 link-local address on ${names.join(', ')} after 2 s`);
}

describeKernel('addresses, routes and neighbours', () => {
  jest.setTimeout(30_000);
  let ns: Namespace;
  let v0: number;
  beforeEach(async () => {
    ns = await Namespace.create(uniqueName('ar'));
    ip('-n', ns.name!, 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    ip('-n', ns.name!, 'link', 'set', 'v0', 'up');
    ip('-n', ns.name!, 'link', 'set', 'v1', 'up');
    v0 = ifindexes(ns).get('v0')!;
    await linkLocalsSettled(ns, ['v0', 'v1']);
  });
  afterEach(async () => {
    await ns.delete();
  });

  test('IPv4 and IPv6 addresses with options; listAddresses equals `ip -json addr`', async () => {
    await addAddress(ns, v0, '10.0.0.1/24', { broadcast: true, label: 'v0:a' });
    await addAddress(ns, v0, '10.0.1.1', { peer: '10.0.1.2/32', scope: 'link' });
    await addAddress(ns, v0, '10.0.2.1/24', { broadcast: '10.0.2.127', metric: 50, noPrefixRoute: true });
    await addAddress(ns, v0, '2001:db8::1/64', { noDad: true });
    const list = await listAddresses(ns);
    expect(sorted(ours(list))).toEqual(sorted(ipAddresses(ns)));
    expect(list.find((a) => a.cidr === '10.0.0.1/24')).toMatchObject({ broadcast: '10.0.0.255', label: 'v0:a', flags: ['permanent'], validLifetime: 'forever' });
    expect(list.find((a) => a.address === '10.0.1.1')).toMatchObject({ cidr: '10.0.1.1/32', peer: '10.0.1.2', scope: 'link' });
    expect(list.find((a) => a.address === '10.0.2.1')).toMatchObject({ metric: 50, flags: ['permanent', 'noprefixroute'] });
    expect(list.find((a) => a.address === '2001:db8::1')).toMatchObject({ family: 6, flags: ['nodad', 'permanent'] });
    // Filters are applied by the kernel.
    expect((await listAddresses(ns, { ifindex: 1 })).map((a) => a.cidr).sort()).toEqual(['127.0.0.1/8', '::1/128']);
    expect((await listAddresses(ns, { ifindex: v0, family: 6 })).every((a) => a.family === 6 && a.ifindex === v0)).toBe(true);
    // noprefixroute: no 10.0.2.0/24 route; the others got theirs.
    const routes = (await listRoutes(ns, { family: 4 })).map((r) => r.to);
    expect(routes).toContain('10.0.0.0/24');
    expect(routes).not.toContain('10.0.2.0/24');
  });

  test('EEXIST says what was asked; replace updates; remove with and without a prefix', async () => {
    await addAddress(ns, v0, '10.0.0.1/24');
    const err = (await addAddress(ns, v0, '10.0.0.1/24').catch((e) => e)) as NetlinkError;
    expect(err).toBeInstanceOf(NetlinkError);
    expect(err).toMatchObject({ code: 'EEXIST', op: 'RTM_NEWADDR', request: `add address 10.0.0.1/24 on ifindex ${v0}` });
    // Replacing an existing IPv4 address updates its metric (and lifetimes), and its prefix route's.
    await addAddress(ns, v0, '10.0.0.1/24', { replace: true, metric: 20 });
    expect((await listAddresses(ns, { ifindex: v0, family: 4 }))[0]).toMatchObject({ cidr: '10.0.0.1/24', metric: 20 });
    expect(ipIn<IpRoute[]>(ns, 'route', 'show', '10.0.0.0/24')).toEqual([expect.objectContaining({ metric: 20 })]);

    await addAddress(ns, v0, '2001:db8::1/64', { noDad: true });
    await removeAddress(ns, v0, '2001:DB8:0::1'); // prefix looked up, any spelling
    await removeAddress(ns, v0, '10.0.0.1'); // IPv4 wildcard, as `ip addr del 10.0.0.1 dev v0`
    expect(ipAddresses(ns).filter((a) => (a as { ifindex: number }).ifindex === v0 && !(a as { cidr: string }).cidr.startsWith('fe80'))).toEqual([]);
    const gone = (await removeAddress(ns, v0, '10.0.0.1/24').catch((e) => e)) as NetlinkError;
    expect(gone).toMatchObject({ code: 'EADDRNOTAVAIL', op: 'RTM_DELADDR' });
    expect(gone.message).toMatch(/no such address/);
  });

  test('bad input never reaches the kernel; a missing link is LinkNotFoundError', async () => {
    for (const cidr of ['10.0.0.300/24', '10.0.0.1/33', 'fe80::zz']) {
      await expect(addAddress(ns, v0, cidr)).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(removeAddress(ns, v0, cidr)).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(addRoute(ns, { to: cidr })).rejects.toBeInstanceOf(InvalidArgumentError);
    }
    await expect(addNeighbour(ns, { ifindex: v0, address: '10.0.0.9', mac: '02:00:00:00:01' })).rejects.toMatchObject({ argument: 'mac' });
    expect(ipAddresses(ns).filter((a) => (a as { family: number }).family === 4)).toEqual([expect.objectContaining({ cidr: '127.0.0.1/8' })]);
    await expect(addAddress(ns, 9999, '10.0.0.1/24')).rejects.toBeInstanceOf(LinkNotFoundError);
    await expect(listAddresses(ns, { ifindex: 9999 })).rejects.toMatchObject({ code: 'ENODEV' });
    await expect(addRoute(ns, { to: '10.5.0.0/16', dev: 9999 })).rejects.toBeInstanceOf(LinkNotFoundError);
  });

  test('routes: default via a gateway, tables, metrics, multipath, IPv6; listRoutes equals `ip -json route`', async () => {
    await addAddress(ns, v0, '10.0.0.1/24');
    await addAddress(ns, v0, '2001:db8::1/64', { noDad: true });
    await addRoute(ns, { to: 'default', via: '10.0.0.254' });
    await addRoute(ns, { to: '192.168.5.0/24', via: '10.0.0.254', dev: v0, metric: 100, table: 1000, protocol: 'static' });
    await addRoute(ns, { to: '192.168.6.0/24', dev: v0, src: '10.0.0.1', mtu: 1400 });
    await addRoute(ns, { to: '10.9.0.0/16', type: 'blackhole' });
    await addRoute(ns, { to: 'default', via: '2001:db8::fe', dev: v0 });
    await addRoute(ns, { to: '2001:db8:5::/48', dev: v0, metric: 10 });
    ip('-n', ns.name!, 'route', 'add', '10.2.0.0/16', 'nexthop', 'via', '10.0.0.2', 'weight', '1', 'nexthop', 'via', '10.0.0.3', 'weight', '3');

    expect(sorted(oursRoutes(await listRoutes(ns, { family: 4 })))).toEqual(sorted(ipRoutes(ns, 4)));
    expect(sorted(oursRoutes(await listRoutes(ns, { family: 6 })))).toEqual(sorted(ipRoutes(ns, 6)));
    expect(sorted(oursRoutes(await listRoutes(ns, { table: 1000 })))).toEqual(sorted(ipRoutes(ns, 4, 'table', '1000')));
    expect(sorted(oursRoutes(await listRoutes(ns, { table: 'all', family: 4 })))).toEqual(sorted(ipRoutes(ns, 4, 'table', 'all')));
    expect(sorted(oursRoutes(await listRoutes(ns, { table: 'local' })))).toEqual(sorted([...ipRoutes(ns, 4, 'table', 'local'), ...ipRoutes(ns, 6, 'table', 'local')]));
    expect(await listRoutes(ns, { table: 4242 })).toEqual([]); // never created: empty, not ENOENT
    const main = await listRoutes(ns);
    expect(main).toContainEqual(expect.objectContaining({ family: 4, to: 'default', via: '10.0.0.254', dev: v0, protocol: 'boot' }));
    expect(main).toContainEqual(expect.objectContaining({ family: 6, to: 'default', via: '2001:db8::fe', dev: v0, metric: 1024 }));
    expect(main).toContainEqual(expect.objectContaining({ to: '192.168.6.0/24', mtu: 1400, scope: 'link', src: '10.0.0.1' }));
    expect((await listRoutes(ns, { dev: 1 })).every((r) => r.dev === 1)).toBe(true);

    // Replace changes the gateway of the existing route; a Route from listRoutes removes itself.
    await addRoute(ns, { to: 'default', via: '10.0.0.253', replace: true });
    expect(ipRoutes(ns, 4)).toContainEqual(expect.objectContaining({ to: 'default', via: '10.0.0.253' }));
    for (const r of (await listRoutes(ns, { table: 'all' })).filter((x) => x.to === 'default' || x.table === 1000)) await removeRoute(ns, r);
    expect(ipRoutes(ns, 4, 'table', 'all').filter((r) => (r as Route).to === 'default' || (r as Route).table === 1000)).toEqual([]);
    expect(ipRoutes(ns, 6).filter((r) => (r as Route).to === 'default')).toEqual([]);
    await removeRoute(ns, { to: '2001:db8:5::/48' });
    expect(ipRoutes(ns, 6).map((r) => (r as Route).to)).not.toContain('2001:db8:5::/48');
  });

  test('route errors keep the kernel\'s message and say what was asked', async () => {
    await addAddress(ns, v0, '10.0.0.1/24');
    const unreachable = (await addRoute(ns, { to: '10.7.0.0/16', via: '172.16.0.1' }).catch((e) => e)) as NetlinkError;
    expect(unreachable).toBeInstanceOf(NetlinkError);
    expect(unreachable.op).toBe('RTM_NEWROUTE');
    expect(unreachable.request).toBe('add route 10.7.0.0/16 via 172.16.0.1 table main');
    expect(unreachable.kernelMessage).toMatch(/gateway|nexthop/i);
    // onlink makes the same gateway acceptable.
    await addRoute(ns, { to: '10.7.0.0/16', via: '172.16.0.1', dev: v0, onlink: true });
    expect(ipIn<IpRoute[]>(ns, 'route', 'show', '10.7.0.0/16')).toEqual([expect.objectContaining({ gateway: '172.16.0.1', flags: ['onlink'] })]);
    await addRoute(ns, { to: 'default', via: '10.0.0.254' });
    await expect(addRoute(ns, { to: 'default', via: '10.0.0.254' })).rejects.toMatchObject({ code: 'EEXIST', message: expect.stringMatching(/replace: true/) });
    const missing = (await removeRoute(ns, { to: '10.8.0.0/16' }).catch((e) => e)) as NetlinkError;
    expect(missing).toMatchObject({ code: 'ESRCH', op: 'RTM_DELROUTE', request: 'remove route 10.8.0.0/16 table main' });
  });

  test('neighbours: permanent IPv4 and IPv6 entries, replace, remove; listNeighbours equals `ip -json neigh`', async () => {
    await addNeighbour(ns, { ifindex: v0, address: '10.0.0.9', mac: '02:00:00:00:00:09' });
    await addNeighbour(ns, { ifindex: v0, address: '2001:db8::9', mac: '02:00:00:00:00:0a', router: true });
    await expect(addNeighbour(ns, { ifindex: v0, address: '10.0.0.9', mac: '02:00:00:00:00:0b' })).rejects.toMatchObject({ code: 'EEXIST' });
    await addNeighbour(ns, { ifindex: v0, address: '10.0.0.9', mac: '02:00:00:00:00:0b', replace: true });
    const idx = ifindexes(ns);
    // The kernel adds NOARP multicast entries (ff02::16, for MLD reports) at moments of its own
    // choosing, so they are left out of the comparison.
    const stable = (n: { state: string[] }) => !n.state.includes('NOARP');
    const theirs = ipIn<{ dst: string; dev: string; lladdr?: string; state: string[] }[]>(ns, 'neigh', 'show', 'nud', 'all')
      .filter(stable)
      .map((n) => ({ address: n.dst, ifindex: idx.get(n.dev), mac: n.lladdr, state: n.state }));
    const list = await listNeighbours(ns);
    expect(sorted(list.filter(stable).map((n) => ({ address: n.address, ifindex: n.ifindex, mac: n.mac, state: n.state })))).toEqual(sorted(theirs));
    expect(list).toContainEqual(expect.objectContaining({ family: 4, address: '10.0.0.9', mac: '02:00:00:00:00:0b', state: ['PERMANENT'] }));
    expect(list).toContainEqual(expect.objectContaining({ family: 6, address: '2001:db8::9', flags: ['router'] }));
    expect((await listNeighbours(ns, { family: 4, ifindex: v0 })).map((n) => n.address)).toEqual(['10.0.0.9']);

    await removeNeighbour(ns, { ifindex: v0, address: '10.0.0.9' });
    await removeNeighbour(ns, { ifindex: v0, address: '2001:db8::9' });
    expect(ipIn<unknown[]>(ns, 'neigh', 'show')).toEqual([]);
    const gone = (await removeNeighbour(ns, { ifindex: v0, address: '10.0.0.9' }).catch((e) => e)) as NetlinkError;
    expect(gone).toMatchObject({ code: 'ENOENT', op: 'RTM_DELNEIGH' });
  });

  test('a container: default routes via the host end carry TCP over IPv4 and IPv6', async () => {
    const host = await Namespace.create(uniqueName('ah'));
    try {
      ip('link', 'add', 'eth0', 'netns', ns.name!, 'type', 'veth', 'peer', 'name', 'h0', 'netns', host.name!);
      ip('-n', ns.name!, 'link', 'set', 'eth0', 'up');
      ip('-n', host.name!, 'link', 'set', 'h0', 'up');
      const eth0 = ifindexes(ns).get('eth0')!;
      const h0 = ifindexes(host).get('h0')!;
      await addAddress(ns, eth0, '10.0.0.2/24');
      await addAddress(host, h0, '10.0.0.1/24');
      await addAddress(ns, eth0, '2001:db8::2/64', { noDad: true });
      await addAddress(host, h0, '2001:db8::1/64', { noDad: true });
      // Service addresses on the host's lo: reachable from the container only through its default routes.
      await addAddress(host, 1, '192.0.2.1/32');
      await addAddress(host, 1, '2001:db8:ffff::1/128', { noDad: true });
      await addRoute(ns, { to: 'default', via: '10.0.0.1' });
      await addRoute(ns, { to: 'default', via: '2001:db8::1' });

      for (const target of ['192.0.2.1', '2001:db8:ffff::1']) {
        const server = await host.listen({ host: target, port: 0 }, (s) => s.pipe(s));
        try {
          const port = (server.address() as AddressInfo).port;
          const socket = await ns.connect({ host: target, port });
          const echoed = await new Promise<string>((resolve, reject) => {
            socket.once('data', (d) => resolve(d.toString()));
            socket.once('error', reject);
            socket.write(`hello ${target}`);
          });
          socket.destroy();
          expect(echoed).toBe(`hello ${target}`);
        } finally {
          server.close();
        }
      }
      // The container learned its gateways as neighbours.
      const learned = (await listNeighbours(ns, { ifindex: eth0 })).map((n) => n.address);
      expect(learned).toEqual(expect.arrayContaining(['10.0.0.1', '2001:db8::1']));
    } finally {
      await host.delete();
    }
  });

  test('works in an anonymous namespace and in the current (sandbox) one', async () => {
    const anon = await Namespace.create();
    try {
      await addAddress(anon, 1, '192.0.2.9/32');
      expect((await listAddresses(anon, { family: 4 })).map((a) => a.cidr).sort()).toEqual(['127.0.0.1/8', '192.0.2.9/32']);
      expect(await listRoutes(anon, { family: 4 })).toEqual([]);
    } finally {
      await anon.close();
    }
    const current = await listAddresses(Namespace.current(), { ifindex: 1, family: 4 });
    expect(current.map((a) => a.cidr)).toEqual(['127.0.0.1/8']);
  });
});
