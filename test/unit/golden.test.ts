// SPDX-License-Identifier: MIT
// Every message of every captured fixture (test/fixtures/rtnl: iproute2's requests and the kernel's
// replies, recorded with strace on a real kernel, command and versions in each file) decodes, and
// re-encodes to the same bytes. A few requests are also built with our own builders and compared
// with what iproute2 sent, and the kernel's errors are checked for what they carry.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writer } from '../../src/netlink/buffer';
import { decodeMessageBody, encodeMessageBody } from '../../src/netlink/codec';
import { attrPathAt, parseDone, parseError } from '../../src/netlink/extack';
import { parseDatagram } from '../../src/netlink/message';
import { MessageSchema } from '../../src/netlink/schema';
import { NLMSG_DONE, NLMSG_ERROR } from '../../src/netlink/constants';
import { addrMessage } from '../../src/rtnl/addr-attrs';
import * as C from '../../src/rtnl/constants';
import { linkMessage } from '../../src/rtnl/link-attrs';
import { linkRequest, newLinkFlags } from '../../src/rtnl/link-ops';
import { neighMessage } from '../../src/rtnl/neigh-attrs';
import { nsidMessage } from '../../src/rtnl/nsid-ops';
import { routeMessage } from '../../src/rtnl/route-attrs';

interface Fixture {
  name: string;
  command: string;
  kernel: string;
  messages: { dir: 'send' | 'recv'; type: number; flags: number; hex: string }[];
}

const dir = join(__dirname, '../fixtures/rtnl');
const fixtures: Fixture[] = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Fixture);
const byName = (n: string) => fixtures.find((f) => f.name === n);
const bytes = (hex: string) => Uint8Array.from(Buffer.from(hex, 'hex'));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function schemaFor(type: number): MessageSchema | undefined {
  if (type >= C.RTM_NEWLINK && type <= C.RTM_SETLINK) return linkMessage;
  if (type >= C.RTM_NEWADDR && type <= C.RTM_GETADDR) return addrMessage;
  if (type >= C.RTM_NEWROUTE && type <= C.RTM_GETROUTE) return routeMessage;
  if (type >= C.RTM_NEWNEIGH && type <= C.RTM_GETNEIGH) return neighMessage;
  if (type >= C.RTM_NEWNSID && type <= C.RTM_GETNSID) return nsidMessage;
  return undefined;
}

test('there are fixtures', () => {
  expect(fixtures.length).toBeGreaterThanOrEqual(10);
});

describe.each(fixtures.map((f) => [f.name, f] as const))('fixture %s', (_name, fx) => {
  test('every message decodes and re-encodes byte for byte', () => {
    let checked = 0;
    for (const m of fx.messages) {
      const raw = bytes(m.hex);
      const [msg, ...rest] = parseDatagram(raw);
      expect(rest).toHaveLength(0);
      expect(msg!.type).toBe(m.type);
      if (msg!.type === NLMSG_ERROR) {
        const { error } = parseError(msg!);
        expect(error).toBeLessThanOrEqual(0);
        continue;
      }
      if (msg!.type === NLMSG_DONE) {
        expect(parseDone(msg!).error).toBeLessThanOrEqual(0);
        continue;
      }
      const schema = schemaFor(msg!.type);
      // A few requests carry only a family byte (dump filters of ip); those stay as they are.
      if (!schema || msg!.payload.length < schema.header.size) continue;
      const { header, attrs } = decodeMessageBody(schema, msg!.payload, 16);
      const w = new Writer();
      encodeMessageBody(schema, header, attrs, w);
      expect(hex(w.finish())).toBe(hex(msg!.payload));
      checked++;
    }
    expect(checked + fx.messages.length).toBeGreaterThan(0);
  });
});

/** The last request of a type in a fixture (ip sends a probe first), and its decoded form. */
const lastSent = (fx: Fixture, type: number) => fx.messages.filter((x) => x.dir === 'send' && x.type === type).pop();
function request(fx: Fixture, type: number) {
  const m = lastSent(fx, type);
  if (!m) throw new Error(`${fx.name}: no request of type ${type}`);
  const msg = parseDatagram(bytes(m.hex))[0]!;
  return { msg, ...decodeMessageBody(linkMessage, msg.payload, 16) };
}

describe('our requests are the ones iproute2 sends', () => {
  const same = (fixture: string, type: number, build: (ip: ReturnType<typeof request>) => Uint8Array) => {
    const fx = byName(fixture);
    (fx ? test : test.skip)(`${fixture}: ${fx?.command ?? 'missing fixture'}`, () => {
      const ip = request(fx!, type);
      expect(hex(build(ip))).toBe(lastSent(fx!, type)!.hex);
    });
  };
  // Built from the values the test names, in iproute2's attribute order; seq/pid/flags from ip's header.
  const finish = (b: ReturnType<typeof linkRequest>, ip: ReturnType<typeof request>) => {
    b.flags = ip.msg.flags;
    return b.finish(ip.msg.seq, ip.msg.pid);
  };
  same('veth-create', C.RTM_NEWLINK, (ip) =>
    finish(linkRequest(C.RTM_NEWLINK, newLinkFlags, {}, { ifname: 'va', linkinfo: { kind: 'veth', data: { peer: { header: {}, attrs: { ifname: 'vb' } } } } }), ip),
  );
  same('bridge-create', C.RTM_NEWLINK, (ip) => finish(linkRequest(C.RTM_NEWLINK, newLinkFlags, {}, { ifname: 'br0', linkinfo: { kind: 'bridge' } }), ip));
  same('link-del', C.RTM_DELLINK, (ip) => finish(linkRequest(C.RTM_DELLINK, 0, { index: ip.header.index }, {}), ip));
});

describe('what the kernel says', () => {
  const fx = byName('link-dump');
  (fx ? test : test.skip)('a full `ip -d link show` dump: kinds, bridge options, stats64', () => {
    const links = fx!.messages
      .filter((m) => m.dir === 'recv' && m.type === C.RTM_NEWLINK)
      .map((m) => decodeMessageBody(linkMessage, parseDatagram(bytes(m.hex))[0]!.payload, 16).attrs);
    const kinds = links.map((a) => (a.linkinfo as { kind?: string } | undefined)?.kind);
    expect(kinds).toEqual(expect.arrayContaining(['veth', 'bridge']));
    const br = links.find((a) => (a.linkinfo as { kind?: string } | undefined)?.kind === 'bridge')!;
    expect((br.linkinfo as { data: Record<string, unknown> }).data).toMatchObject({ stpState: expect.any(Number), forwardDelay: expect.any(Number) });
    expect(links.every((a) => typeof a.ifname === 'string' && a.stats64 !== undefined)).toBe(true);
  });

  const offs = fixtures.find((f) => f.messages.some((m) => m.type === NLMSG_ERROR && m.flags & 0x200 && parseError(parseDatagram(bytes(m.hex))[0]!).extack?.offset !== undefined));
  (offs ? test : test.skip)(`an ext-ACK offset maps to the attribute of the request (${offs?.command})`, () => {
    const errMsg = offs!.messages.find((m) => m.type === NLMSG_ERROR && parseError(parseDatagram(bytes(m.hex))[0]!).extack?.offset !== undefined)!;
    const { error, extack } = parseError(parseDatagram(bytes(errMsg.hex))[0]!);
    expect(error).toBeLessThan(0);
    // Re-encode the request that failed (losslessly) to learn where each attribute sits.
    const req = offs!.messages.filter((m) => m.dir === 'send' && m.type === C.RTM_NEWLINK).pop()!;
    const msg = parseDatagram(bytes(req.hex))[0]!;
    const { header, attrs } = decodeMessageBody(linkMessage, msg.payload, 16);
    const w = new Writer();
    w.zeros(16);
    encodeMessageBody(linkMessage, header, attrs, w);
    const path = attrPathAt(w.spans, extack!.offset!);
    expect(path).toBeDefined();
    expect(Object.keys(attrs)).toContain(path!.split('.')[0]);
  });
});
