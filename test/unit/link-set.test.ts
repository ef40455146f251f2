// SPDX-License-Identifier: MIT
// `ip link set` options and alternative names: the requests vnetkit builds are byte for byte the
// ones iproute2 sent (test/fixtures/rtnl/link-set-*.json, link-altname-add.json, captured with
// strace by capture-all.sh), and bad input is refused before the kernel.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError } from '../../src/errors';
import { decodeMessageBody } from '../../src/netlink/codec';
import { parseDatagram, RequestBuilder } from '../../src/netlink/message';
import * as C from '../../src/rtnl/constants';
import { linkMessage } from '../../src/rtnl/link-attrs';
import { linkRequest } from '../../src/rtnl/link-ops';
import { addrGenModeOf, altNameRequest, linkChangeRequest } from '../../src/rtnl/link-set';

interface Fixture {
  command: string;
  messages: { dir: 'send' | 'recv'; type: number; hex: string }[];
}
const load = (name: string) => JSON.parse(readFileSync(join(__dirname, '../fixtures/rtnl', `${name}.json`), 'utf8')) as Fixture;
function lastSent(fx: Fixture, type: number) {
  const m = fx.messages.filter((x) => x.dir === 'send' && x.type === type).pop()!;
  const msg = parseDatagram(Uint8Array.from(Buffer.from(m.hex, 'hex')))[0]!;
  return { hex: m.hex, msg, ...decodeMessageBody(linkMessage, msg.payload, 16) };
}
const same = (b: RequestBuilder, ip: ReturnType<typeof lastSent>) => {
  b.flags = ip.msg.flags;
  expect(Buffer.from(b.finish(ip.msg.seq, ip.msg.pid)).toString('hex')).toBe(ip.hex);
};

test('promisc, allmulti, arp off and addrgenmode none: one request, as ip sends it', () => {
  const fx = load('link-set-flags');
  const ip = lastSent(fx, C.RTM_NEWLINK);
  same(linkChangeRequest(ip.header.index as number, 'veth', { promisc: true, allmulti: true, arp: false, addrGenMode: 'none' })!, ip);
  expect(addrGenModeOf(ip.attrs)).toBe('none');
});

test('carrier on, as ip sends it', () => {
  const ip = lastSent(load('link-set-carrier'), C.RTM_NEWLINK);
  same(linkChangeRequest(ip.header.index as number, 'veth', { carrier: true })!, ip);
});

test('altname add (RTM_NEWLINKPROP), and a lookup by an altname longer than IFNAMSIZ', () => {
  const fx = load('link-altname-add');
  const ip = lastSent(fx, C.RTM_NEWLINKPROP);
  same(altNameRequest('add', ip.header.index as number, ['an-alternative-name-longer-than-ifnamsiz']), ip);
  const lookups = load('link-get-altname')
    .messages.filter((m) => m.dir === 'send' && m.type === C.RTM_GETLINK)
    .map((m) => decodeMessageBody(linkMessage, parseDatagram(Uint8Array.from(Buffer.from(m.hex, 'hex')))[0]!.payload, 16).attrs);
  expect(lookups[0]!.altIfname).toBe('an-alternative-name-longer-than-ifnamsiz');
  expect(lookups[0]!.ifname).toBeUndefined();
  // ip adds IFLA_EXT_MASK and asks AF_PACKET; what matters is that the name travels as IFLA_ALT_IFNAME.
  const ours = linkRequest(C.RTM_GETLINK, 0, {}, { altIfname: 'an-alternative-name-longer-than-ifnamsiz' }).finish(1, 0);
  expect(decodeMessageBody(linkMessage, ours.subarray(16), 16).attrs).toEqual({ altIfname: 'an-alternative-name-longer-than-ifnamsiz' });
});

test('nothing to change is no request; bad options are InvalidArgumentError', () => {
  expect(linkChangeRequest(3, 'veth', {})).toBeUndefined();
  const bad: [unknown, string][] = [
    [{ promisc: 'on' }, 'promisc'],
    [{ addrGenMode: 'eui-64' }, 'addrGenMode'],
    [{ carrier: 1 }, 'carrier'],
    [{ mtu: 10 }, 'mtu'],
    [{ colour: 'red' }, 'colour'],
    [{ alias: 5 }, 'alias'],
    [{ data: { mode: 'x' } }, 'data.mode'],
    [null, 'changes'],
  ];
  for (const [changes, argument] of bad) {
    let err: unknown;
    try {
      linkChangeRequest(3, 'macvlan', changes as never);
    } catch (e) {
      err = e;
    }
    expect([argument, err]).toEqual([argument, expect.any(InvalidArgumentError)]);
    expect((err as InvalidArgumentError).argument).toBe(argument);
  }
  expect(() => altNameRequest('add', 3, ['x'.repeat(128)])).toThrow(InvalidArgumentError);
  expect(() => altNameRequest('add', 3, [])).toThrow(InvalidArgumentError);
});
