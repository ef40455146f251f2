// SPDX-License-Identifier: MIT
// Whole operations against a fake kernel (test/helpers/fake-kernel.ts, behind the transport seam
// of src/netlink/transport.ts): what Link.create sends, lookups included, byte for byte, with no
// addon, no root and no kernel.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Link, Namespace } from '../../src';
import { decodeMessageBody } from '../../src/netlink/codec';
import { NLM_F_ACK, NLM_F_CREATE, NLM_F_ECHO, NLM_F_EXCL, NLM_F_REQUEST } from '../../src/netlink/constants';
import { NlMsg, parseDatagram } from '../../src/netlink/message';
import { useTransport } from '../../src/netlink/transport';
import * as C from '../../src/rtnl/constants';
import { linkMessage } from '../../src/rtnl/link-attrs';
import { ack, FakeKernel, linkReply } from '../helpers/fake-kernel';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const attrsOf = (m: NlMsg) => decodeMessageBody(linkMessage, m.payload, 16);

/** iproute2's create request from a captured fixture. */
function ipCreate(name: string): NlMsg {
  const fx = JSON.parse(readFileSync(join(__dirname, '../fixtures/rtnl', `${name}.json`), 'utf8')) as { messages: { dir: string; type: number; hex: string }[] };
  const m = fx.messages.filter((x) => x.dir === 'send' && x.type === C.RTM_NEWLINK).pop()!;
  return parseDatagram(Uint8Array.from(Buffer.from(m.hex, 'hex')))[0]!;
}

/** A kernel with eth0 at index 3 that creates what it is asked to at index 7 (no echo, as before 6.1). */
function kernel(): FakeKernel {
  const made = new Map<string, { kind: string; data: unknown }>();
  const fake: FakeKernel = new FakeKernel((req) => {
    const { header, attrs } = attrsOf(req);
    // Every request carries NLM_F_ACK: a lookup is answered with the link, then the ACK.
    if (req.type === C.RTM_GETLINK && (header.index === 3 || attrs.ifname === 'eth0')) return [linkReply(req, { index: 3 }, { ifname: 'eth0', mtu: 1500 }), ack(req)];
    if (req.type === C.RTM_GETLINK && typeof attrs.ifname === 'string' && made.has(attrs.ifname)) {
      const m = made.get(attrs.ifname)!;
      return [linkReply(req, { index: 7 }, { ifname: attrs.ifname, link: 3, linkinfo: { kind: m.kind, data: m.data } }), ack(req)];
    }
    if (req.type === C.RTM_GETLINK) return [ack(req, -19)];
    if (req.type === C.RTM_NEWLINK && req.flags & NLM_F_CREATE) {
      const info = attrs.linkinfo as { kind: string; data: unknown };
      made.set(attrs.ifname as string, { kind: info.kind, data: info.data });
      return [ack(req)];
    }
    return [ack(req, -95)];
  });
  return fake;
}

describe('transport seam: Link.create against a fake kernel', () => {
  let fake: FakeKernel;
  beforeEach(() => {
    fake = kernel();
    useTransport(fake);
  });
  afterEach(async () => {
    await Namespace.current().close();
    useTransport(undefined);
  });

  test('a macvlan on a parent by index: the lookup, then the very request `ip link add mv0 link eth0 type macvlan mode bridge` sends', async () => {
    const link = await Link.create({ kind: 'macvlan', name: 'mv0', parent: 3, data: { mode: 'bridge' } });
    expect(fake.sent.map((m) => m.type)).toEqual([C.RTM_GETLINK, C.RTM_NEWLINK, C.RTM_GETLINK]);
    const create = fake.sent[1]!;
    expect(create.flags).toBe(NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO | NLM_F_CREATE | NLM_F_EXCL);
    expect(hex(create.payload)).toBe(hex(ipCreate('kind-macvlan').payload));
    // Read back by name (no echo from this kernel), decoded by the macvlan driver.
    expect(link).toMatchObject({ index: 7, name: 'mv0', kind: 'macvlan', parentIndex: 3 });
    expect(link.data).toMatchObject({ mode: 'bridge' });
  });

  test('a vxlan whose device is given by name: the name is looked up, the request carries its index', async () => {
    await Link.create({ kind: 'vxlan', name: 'vx0', data: { vni: 42, local: '10.0.0.1', remote: '10.0.0.2', dev: 'eth0', dstport: 4789, ttl: 64, learning: false, udpCsum: true } });
    expect(fake.sent[0]!.type).toBe(C.RTM_GETLINK);
    expect(attrsOf(fake.sent[0]!).attrs.ifname).toBe('eth0');
    expect(hex(fake.sent[1]!.payload)).toBe(hex(ipCreate('kind-vxlan').payload));
  });

  test('bad options never reach the transport', async () => {
    await expect(Link.create({ kind: 'vlan', name: 'v0', parent: 'eth0', data: { id: 5000 } })).rejects.toMatchObject({ argument: 'data.id' });
    expect(fake.sent).toEqual([]);
  });
});
