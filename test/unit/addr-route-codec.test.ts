// SPDX-License-Identifier: MIT
// Address, route and neighbour requests against the bytes iproute2 sends, and kernel replies
// decoded. Golden requests were captured on Linux 6.18 with iproute2 6.1.0, inside `unshare --net`
// after `ip link add v0 type veth peer name v1` (v0 got ifindex 3), one command at a time:
//   strace -f -e trace=sendmsg -e write=all ip addr add 10.0.0.1/24 dev v0
// (the RTM_GETLINK that resolves "v0" is left out: our functions take the ifindex). Replies were
// captured the same way with `-e trace=recvmsg -e read=all` from `ip addr/route/neigh show`.
import { InvalidArgumentError } from '../../src/errors';
import { NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST } from '../../src/netlink/constants';
import { parseDatagram, RequestBuilder } from '../../src/netlink/message';
import { delAddressRequest, dumpAddressRequest, newAddressRequest, parseAddress } from '../../src/rtnl/addr-ops';
import { delNeighbourRequest, dumpNeighbourRequest, newNeighbourRequest, parseNeighbour } from '../../src/rtnl/neigh-ops';
import { delRouteRequest, dumpRouteRequest, newRouteRequest, parseRoute } from '../../src/rtnl/route-ops';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
/** As sent by the multiplexer (it adds REQUEST and ACK or DUMP), with seq and pid zeroed. */
function sent(b: RequestBuilder, dump = false): string {
  b.flags |= NLM_F_REQUEST | (dump ? NLM_F_DUMP : NLM_F_ACK);
  return hex(b.finish(0, 0));
}
const zeroSeq = (h: string) => h.slice(0, 16) + '0'.repeat(16) + h.slice(32);
const msg = (h: string) => parseDatagram(Uint8Array.from(Buffer.from(h, 'hex')))[0]!;

const GOLDEN: [string, () => RequestBuilder, string][] = [
  ['ip addr add 10.0.0.1/24 dev v0',
    () => newAddressRequest(3, '10.0.0.1/24').builder,
    '2800000014000506408b036b000000000218000003000000080002000a000001080001000a000001'],
  ['ip addr add 10.0.0.2/24 dev v0 brd +',
    () => newAddressRequest(3, '10.0.0.2/24', { broadcast: true }).builder,
    '3000000014000506418b036b000000000218000003000000080002000a000002080001000a000002080004000a0000ff'],
  ['ip addr add 10.0.0.3/24 brd 10.0.0.255 dev v0 label v0:x scope link',
    () => newAddressRequest(3, '10.0.0.3/24', { broadcast: '10.0.0.255', label: 'v0:x', scope: 'link' }).builder,
    '3c00000014000506418b036b00000000021800fd03000000080002000a000003080004000a0000ff0900030076303a7800000000080001000a000003'],
  ['ip addr add 10.0.1.1 peer 10.0.1.2/32 dev v0',
    () => newAddressRequest(3, '10.0.1.1', { peer: '10.0.1.2/32' }).builder,
    '2800000014000506418b036b000000000220000003000000080002000a000101080001000a000102'],
  ['ip addr add 10.0.2.1/24 dev v0 metric 50 noprefixroute',
    () => newAddressRequest(3, '10.0.2.1/24', { metric: 50, noPrefixRoute: true }).builder,
    '3800000014000506418b036b000000000218000003000000080002000a00020108000900320000000800080000020000080001000a000201'],
  ['ip addr add 2001:db8::1/64 dev v0 nodad',
    () => newAddressRequest(3, '2001:db8::1/64', { noDad: true }).builder,
    '4000000014000506418b036b000000000a400200030000001400020020010db80000000000000000000000011400010020010db8000000000000000000000001'],
  ['ip addr replace 2001:db8::1/64 dev v0 nodad',
    () => newAddressRequest(3, '2001:db8::1/64', { noDad: true, replace: true }).builder,
    '4000000014000505418b036b000000000a400200030000001400020020010db80000000000000000000000011400010020010db8000000000000000000000001'],
  ['ip addr del 10.0.0.1/24 dev v0',
    () => delAddressRequest(3, '10.0.0.1/24').builder,
    '2800000015000500418b036b000000000218000003000000080002000a000001080001000a000001'],
  ['ip addr del 10.0.0.2 dev v0',
    () => delAddressRequest(3, '10.0.0.2').builder,
    '2000000015000500418b036b000000000220000003000000080002000a000002'],
  ['ip addr del 2001:db8::1/64 dev v0',
    () => delAddressRequest(3, '2001:db8::1/64').builder,
    '4000000015000500418b036b000000000a400000030000001400020020010db80000000000000000000000011400010020010db8000000000000000000000001'],
  ['ip route add default via 10.0.0.254',
    () => newRouteRequest({ to: 'default', via: '10.0.0.254' }).builder,
    '2400000018000506418b036b0000000002000000fe03000100000000080005000a0000fe'],
  ['ip route add 192.168.5.0/24 via 10.0.0.254 metric 100 table 100 dev v0',
    () => newRouteRequest({ to: '192.168.5.0/24', via: '10.0.0.254', metric: 100, table: 100, dev: 3 }).builder,
    '3c00000018000506428b036b0000000002180000640300010000000008000100c0a80500080005000a0000fe08000600640000000800040003000000'],
  ['ip route add 192.168.6.0/24 src 10.0.0.3 dev v0 scope link proto static',
    () => newRouteRequest({ to: '192.168.6.0/24', src: '10.0.0.3', dev: 3, scope: 'link', protocol: 'static' }).builder,
    '3400000018000506428b036b0000000002180000fe04fd010000000008000100c0a80600080007000a0000030800040003000000'],
  ['ip route replace 192.168.6.0/24 metric 5 dev v0',
    () => newRouteRequest({ to: '192.168.6.0/24', metric: 5, dev: 3 }, true).builder,
    '3400000018000505428b036b0000000002180000fe03fd010000000008000100c0a8060008000600050000000800040003000000'],
  ['ip route add 10.1.0.0/24 via 10.9.9.9 table 1000 dev v0 mtu 1400 onlink',
    () => newRouteRequest({ to: '10.1.0.0/24', via: '10.9.9.9', table: 1000, dev: 3, mtu: 1400, onlink: true }).builder,
    '4800000018000506428b036b00000000021800000003000104000000080001000a010000080005000a09090908000f00e803000008000400030000000c0008000800020078050000'],
  ['ip route add blackhole 10.9.0.0/16',
    () => newRouteRequest({ to: '10.9.0.0/16', type: 'blackhole' }).builder,
    '2400000018000506428b036b0000000002100000fe03000600000000080001000a090000'],
  ['ip route del 192.168.5.0/24 via 10.0.0.254 metric 100 table 100 dev v0',
    () => delRouteRequest({ to: '192.168.5.0/24', via: '10.0.0.254', metric: 100, table: 100, dev: 3 }).builder,
    '3c00000019000500428b036b00000000021800006400ff000000000008000100c0a80500080005000a0000fe08000600640000000800040003000000'],
  ['ip route del default',
    () => delRouteRequest({ to: 'default' }).builder,
    '1c00000019000500438b036b0000000002000000fe00ff0000000000'],
  ['ip route add default via 2001:db8::fe dev v0',
    () => newRouteRequest({ to: 'default', via: '2001:db8::fe', dev: 3 }).builder,
    '3800000018000506448b036b000000000a000000fe030001000000001400050020010db80000000000000000000000fe0800040003000000'],
  ['ip -6 route add 2001:db8:5::/48 metric 1024 dev v0',
    () => newRouteRequest({ to: '2001:db8:5::/48', metric: 1024, dev: 3 }).builder,
    '4000000018000506448b036b000000000a300000fe030001000000001400010020010db800050000000000000000000008000600000400000800040003000000'],
  ['ip -6 route del 2001:db8:5::/48 dev v0',
    () => delRouteRequest({ to: '2001:db8:5::/48', dev: 3 }).builder,
    '3800000019000500448b036b000000000a300000fe000000000000001400010020010db80005000000000000000000000800040003000000'],
  ['ip neigh add 10.0.0.9 lladdr 02:00:00:00:00:09 dev v0 nud permanent',
    () => newNeighbourRequest({ ifindex: 3, address: '10.0.0.9', mac: '02:00:00:00:00:09' }).builder,
    '300000001c000506458b036b00000000020000000300000080000000080001000a0000090a0002000200000000090000'],
  ['ip neigh replace 10.0.0.9 lladdr 02:00:00:00:00:0a dev v0 nud permanent',
    () => newNeighbourRequest({ ifindex: 3, address: '10.0.0.9', mac: '02:00:00:00:00:0a', replace: true }).builder,
    '300000001c000505458b036b00000000020000000300000080000000080001000a0000090a00020002000000000a0000'],
  ['ip neigh add 10.0.0.10 lladdr 02:00:00:00:00:10 dev v0 nud reachable',
    () => newNeighbourRequest({ ifindex: 3, address: '10.0.0.10', mac: '02:00:00:00:00:10', permanent: false }).builder,
    '300000001c000506458b036b00000000020000000300000002000000080001000a00000a0a0002000200000000100000'],
  ['ip neigh add 2001:db8::9 lladdr 02:00:00:00:00:09 dev v0 nud permanent',
    () => newNeighbourRequest({ ifindex: 3, address: '2001:db8::9', mac: '02:00:00:00:00:09' }).builder,
    '3c0000001c000506458b036b000000000a00000003000000800000001400010020010db80000000000000000000000090a0002000200000000090000'],
  ['ip neigh del 10.0.0.9 dev v0',
    () => delNeighbourRequest({ ifindex: 3, address: '10.0.0.9' }).builder,
    '240000001d000500458b036b00000000020000000300000080000000080001000a000009'],
  ['ip neigh del 2001:db8::9 dev v0',
    () => delNeighbourRequest({ ifindex: 3, address: '2001:db8::9' }).builder,
    '300000001d000500478b036b000000000a00000003000000800000001400010020010db8000000000000000000000009'],
];

describe('requests are byte-identical to iproute2', () => {
  test.each(GOLDEN)('%s', (_cmd, build, ip) => {
    expect(sent(build())).toBe(zeroSeq(ip));
  });

  // Dump requests: ip sends them with sendto; these are its bytes as strace decoded them.
  test('`ip -4 addr show` and `ip -6 addr show dev v0`', () => {
    expect(sent(dumpAddressRequest({ family: 4 }), true)).toBe('18000000160001030000000000000000' + '0200000000000000');
    expect(sent(dumpAddressRequest({ family: 6, ifindex: 3 }), true)).toBe('18000000160001030000000000000000' + '0a00000003000000');
  });

  test('`ip route show`, `ip route show table 1000`, `ip -6 route show table all`', () => {
    const hdr = (family: string) => `${family}0000000000000000000000`;
    expect(sent(dumpRouteRequest(4), true)).toBe('240000001a0001030000000000000000' + hdr('02') + '08000f00fe000000');
    expect(sent(dumpRouteRequest(4, { table: 1000 }), true)).toBe('240000001a0001030000000000000000' + hdr('02') + '08000f00e8030000');
    expect(sent(dumpRouteRequest(6, { table: 'all' }), true)).toBe('1c0000001a0001030000000000000000' + hdr('0a'));
  });

  test('`ip neigh show` and `ip -4 neigh show dev v0` (the interface in NDA_IFINDEX)', () => {
    expect(sent(dumpNeighbourRequest(), true)).toBe('1c0000001e0001030000000000000000' + '000000000000000000000000');
    expect(sent(dumpNeighbourRequest({ family: 4, ifindex: 3 }), true)).toBe('240000001e0001030000000000000000' + '020000000000000000000000' + '0800080003000000');
  });
});

describe('kernel replies decode to what ip shows', () => {
  test('IPv4 address with broadcast and label (`ip addr add 10.0.0.1/24 brd + dev v0 label v0:a`)', () => {
    const m = msg('5800000014002200f98c036bf57e00000218800003000000080001000a000001080002000a000001080004000a0000ff0900030076303a6100000000080008008000000014000600ffffffffffffffff80550b0080550b00');
    expect(parseAddress(m)).toEqual({
      family: 4, address: '10.0.0.1', prefixLength: 24, cidr: '10.0.0.1/24', ifindex: 3, scope: 'global',
      label: 'v0:a', broadcast: '10.0.0.255', flags: ['permanent'], validLifetime: 'forever', preferredLifetime: 'forever',
    });
  });

  test('IPv6 addresses: nodad, and the kernel\'s link-local one (IFA_PROTO kernel_ll)', () => {
    const global = msg('4800000014002200f98c036b007f00000a408200030000001400010020010db800000000000000000000000114000600ffffffffffffffff81550b0081550b000800080082000000');
    expect(parseAddress(global)).toMatchObject({ family: 6, cidr: '2001:db8::1/64', scope: 'global', flags: ['nodad', 'permanent'] });
    const ll = msg('5000000014002200f98c036b007f00000a40c0fd0300000014000100fe80000000000000000000fffe00000114000600ffffffffffffffff80550b0080550b0008000800c000000005000b0003000000');
    expect(parseAddress(ll)).toMatchObject({ cidr: 'fe80::ff:fe00:1/64', scope: 'link', flags: ['tentative', 'permanent'], protocol: 'kernel_ll' });
  });

  test('IPv4 routes: connected, multipath with weights, static with metric and mtu', () => {
    const connected = parseRoute(msg('3c00000018002200f88c036b0b7f000002180000fe02fd010000000008000f00fe000000080001000a000000080007000a0000010800040003000000'));
    expect(connected).toEqual({ family: 4, to: '10.0.0.0/24', table: 'main', scope: 'link', protocol: 'kernel', type: 'unicast', flags: [], src: '10.0.0.1', dev: 3 });
    const multipath = parseRoute(msg('5000000018002200f88c036b0b7f000002100000fe0300010000000008000f00fe000000080001000a020000240009001000000003000000080005000a0000021000000203000000080005000a000003'));
    expect(multipath!.nexthops).toEqual([
      { via: '10.0.0.2', dev: 3, weight: 1, flags: [] },
      { via: '10.0.0.3', dev: 3, weight: 3, flags: [] },
    ]);
    const stat = parseRoute(msg('5000000018002200f88c036b0b7f000002180000fe0400010000000008000f00fe00000008000100c0a8050008000600640000000c0008000800020078050000080005000a0000fe0800040003000000'));
    expect(stat).toMatchObject({ to: '192.168.5.0/24', via: '10.0.0.254', dev: 3, metric: 100, mtu: 1400, protocol: 'static', scope: 'global' });
  });

  test('IPv6 default route (`ip -6 route add default via 2001:db8::fe dev v0`) with its cache info', () => {
    const r = parseRoute(msg('7400000018002200f98c036b167f00000a000000fe0300010000000008000f00fe00000008000600000400001400050020010db80000000000000000000000fe080004000300000024000c0000000000000000000000000000000000000000000000000000000000000000000500140000000000'));
    expect(r).toEqual({ family: 6, to: 'default', via: '2001:db8::fe', dev: 3, metric: 1024, table: 'main', scope: 'global', protocol: 'boot', type: 'unicast', flags: [], pref: 'medium' });
  });

  test('neighbours: permanent IPv4, IPv6 router, NOARP multicast', () => {
    const v4 = parseNeighbour(msg('4c0000001c002200fa8c036b217f0000020000000300000080000001080001000a0000090a000200020000000009000008000400000000001400030028000000280000002800000000000000'));
    expect(v4).toEqual({ family: 4, address: '10.0.0.9', mac: '02:00:00:00:00:09', ifindex: 3, state: ['PERMANENT'], flags: [], probes: 0 });
    const router = parseNeighbour(msg('580000001c002200fa8c036b217f00000a00000003000000800080011400010020010db80000000000000000000000090a00020002000000000a000008000400000000001400030028000000280000002800000000000000'));
    expect(router).toMatchObject({ family: 6, address: '2001:db8::9', mac: '02:00:00:00:00:0a', flags: ['router'] });
    const mcast = parseNeighbour(msg('580000001c002200fa8c036b217f00000a000000030000004000000514000100ff0200000000000000000000000000160a000200333300000016000008000400000000001400030098170000280000002800000000000000'));
    expect(mcast).toMatchObject({ address: 'ff02::16', mac: '33:33:00:00:00:16', state: ['NOARP'] });
  });

  test('what we send parses back to what was asked', () => {
    const b = newAddressRequest(7, '192.0.2.5/28', { broadcast: true, label: 'eth0:1', scope: 'host' }).builder;
    expect(parseAddress(msg(hex(b.finish(1))))).toMatchObject({ cidr: '192.0.2.5/28', broadcast: '192.0.2.15', label: 'eth0:1', scope: 'host', ifindex: 7 });
    const r = newRouteRequest({ to: '2001:db8:1::/48', via: 'fe80::1', dev: 2, table: 5000, metric: 7 }).builder;
    expect(parseRoute(msg(hex(r.finish(1))))).toMatchObject({ family: 6, to: '2001:db8:1::/48', via: 'fe80::1', dev: 2, table: 5000, metric: 7 });
  });
});

describe('bad input is refused before the kernel', () => {
  const refused = (f: () => unknown, argument: string) => {
    expect(f).toThrow(InvalidArgumentError);
    expect(f).toThrow(expect.objectContaining({ argument }));
  };

  test.each(['10.0.0.300/24', '10.0.0.1/33', 'fe80::zz', '2001:db8::1/129', '10.0.0.1/', '10.0.0.1/-1', '', 'default'])('address %j', (cidr) => {
    refused(() => newAddressRequest(3, cidr), 'address');
    refused(() => delAddressRequest(3, cidr), 'address');
  });

  test('address options that do not fit the family or the kernel', () => {
    refused(() => newAddressRequest(3, '2001:db8::1/64', { broadcast: true }), 'broadcast');
    refused(() => newAddressRequest(3, '2001:db8::1/64', { label: 'v0:x' }), 'label');
    refused(() => newAddressRequest(3, '10.0.0.1/24', { label: 'x'.repeat(16) }), 'label');
    refused(() => newAddressRequest(3, '10.0.0.1/24', { peer: '2001:db8::2' }), 'peer');
    refused(() => newAddressRequest(3, '10.0.0.1/24', { scope: 'galactic' as never }), 'scope');
    refused(() => newAddressRequest(3, '10.0.0.1/24', { scope: 256 }), 'scope');
    refused(() => newAddressRequest(0, '10.0.0.1/24'), 'ifindex');
    refused(() => newAddressRequest(1.5, '10.0.0.1/24'), 'ifindex');
    refused(() => delAddressRequest(3, '2001:db8::1'), 'address'); // the object layer looks the prefix up first
  });

  test('routes: bad prefixes, host bits, mixed families, unknown names', () => {
    refused(() => newRouteRequest({ to: '10.0.0.300/24' }), 'to');
    refused(() => newRouteRequest({ to: '10.0.0.1/24' }), 'to'); // host bits: did you mean 10.0.0.0/24
    refused(() => newRouteRequest({ to: 'default', via: 'fe80::zz' }), 'via');
    refused(() => newRouteRequest({ to: 'default', via: '10.0.0.1/24' }), 'via');
    refused(() => newRouteRequest({ to: '10.1.0.0/16', via: '2001:db8::1' }), 'via');
    refused(() => newRouteRequest({ to: 'default', family: 6, src: '10.0.0.1' }), 'src');
    refused(() => newRouteRequest({ to: 'default', via: '10.0.0.1', table: 'mian' as never }), 'table');
    refused(() => newRouteRequest({ to: 'default', via: '10.0.0.1', table: 0 }), 'table');
    refused(() => newRouteRequest({ to: 'default', via: '10.0.0.1', protocol: 'ospf3' as never }), 'protocol');
    refused(() => newRouteRequest({ to: 'default', via: '10.0.0.1', dev: -1 }), 'dev');
    refused(() => newRouteRequest({ to: 'default', via: '10.0.0.1', metric: 2 ** 32 }), 'metric');
    refused(() => dumpRouteRequest(5 as never), 'family');
  });

  test('neighbours: bad MAC, bad address', () => {
    for (const mac of ['02:00:00:00:00', '02:00:00:00:00:00:01', 'zz:00:00:00:00:01', '0200.0000.0001', '']) {
      refused(() => newNeighbourRequest({ ifindex: 3, address: '10.0.0.9', mac }), 'mac');
    }
    refused(() => newNeighbourRequest({ ifindex: 3, address: '10.0.0.256', mac: '02:00:00:00:00:01' }), 'address');
    refused(() => delNeighbourRequest({ ifindex: 3, address: '10.0.0.0/24' }), 'address');
    refused(() => newNeighbourRequest({ ifindex: 3, address: '10.0.0.9', mac: '02:00:00:00:00:01', router: true }), 'router');
  });
});
