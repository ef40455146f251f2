// SPDX-License-Identifier: MIT
// The netlink requests a tun/tap create's job sends about its new device, and how their answers are
// read: the bytes are checked message by message, the answers are real kernel replies from the
// captured fixtures (test/fixtures/rtnl), re-sequenced as the job's would be.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NetlinkError } from '../../src/errors';
import { decodeMessageBody } from '../../src/netlink/codec';
import { NLM_F_ACK, NLM_F_REQUEST, NLMSG_ERROR } from '../../src/netlink/constants';
import { parseDatagram } from '../../src/netlink/message';
import * as C from '../../src/rtnl/constants';
import { linkMessage } from '../../src/rtnl/link-attrs';
import { followUpFor, readFollowUp } from '../../src/objects/tun-follow-up';
import type { Namespace } from '../../src/objects/namespace';

const ns = { label: 'test namespace' } as unknown as Namespace;

function patchIndexes(f: { request: Uint8Array; indexAt: Uint32Array }, index: number): Uint8Array {
  const out = Uint8Array.from(f.request);
  for (const at of f.indexAt) new DataView(out.buffer).setUint32(at, index, true);
  return out;
}

/** The kernel's last reply of a type in a captured fixture, with its seq set to `seq`. */
function reply(fixture: string, type: number, seq: number): Uint8Array {
  const f = JSON.parse(readFileSync(join(__dirname, '../fixtures/rtnl', `${fixture}.json`), 'utf8')) as { messages: { dir: string; type: number; hex: string }[] };
  const m = f.messages.filter((x) => x.dir === 'recv' && x.type === type).at(-1)!;
  const bytes = Uint8Array.from(Buffer.from(m.hex, 'hex'));
  const first = parseDatagram(bytes)[0]!;
  const one = bytes.slice(0, (first.len + 3) & ~3);
  new DataView(one.buffer).setUint32(8, seq, true);
  return one;
}

const concat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

describe('tun/tap follow-up requests', () => {
  test('without a device group: one RTM_GETLINK, the index written where ifi_index is', () => {
    const f = followUpFor(undefined);
    expect(f.replies).toBe(1);
    const msgs = parseDatagram(patchIndexes(f, 4242));
    expect(msgs.map((m) => [m.type, m.flags])).toEqual([[C.RTM_GETLINK, NLM_F_REQUEST]]);
    expect(decodeMessageBody(linkMessage, msgs[0]!.payload, 16).header.index).toBe(4242);
    expect(followUpFor(undefined)).toBe(f); // built once
  });

  test('with a device group: RTM_NEWLINK with IFLA_GROUP and an ACK, then RTM_GETLINK, both for the new index', () => {
    const f = followUpFor(0xfffffffe);
    expect(f.replies).toBe(2);
    const msgs = parseDatagram(patchIndexes(f, 7));
    expect(msgs.map((m) => [m.type, m.flags])).toEqual([[C.RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK], [C.RTM_GETLINK, NLM_F_REQUEST]]);
    const set = decodeMessageBody(linkMessage, msgs[0]!.payload, 16);
    expect(set.header.index).toBe(7);
    expect(set.attrs.group).toBe(0xfffffffe);
    expect(decodeMessageBody(linkMessage, msgs[1]!.payload, 16).header.index).toBe(7);
    expect(new Set(msgs.map((m) => m.seq)).size).toBe(2);
  });

  test('answers: the Link read back; a refused group is a NetlinkError with the kernel text; no answer is no Link', () => {
    const f = followUpFor(5);
    const [setSeq, getSeq] = parseDatagram(f.request).map((m) => m.seq) as [number, number];
    const ok = reply('link-set-up', NLMSG_ERROR, setSeq);
    const link = reply('link-get', C.RTM_NEWLINK, getSeq);
    const read = readFollowUp(ns, concat(ok, link), 'lo', 5);
    expect(read.groupError).toBeUndefined();
    expect(read.link).toMatchObject({ name: expect.any(String), index: expect.any(Number) });
    expect(read.link!.namespace).toBe(ns);

    const refused = reply('link-set-mtu-too-big-extack-msg', NLMSG_ERROR, setSeq);
    const bad = readFollowUp(ns, concat(refused, link), 'tap0', 5);
    expect(bad.groupError).toBeInstanceOf(NetlinkError);
    expect(bad.groupError).toMatchObject({ code: 'EINVAL', message: expect.stringContaining('set device group 5 on "tap0"') });
    expect(bad.groupError!.extack?.message).toBeTruthy();

    expect(readFollowUp(ns, undefined, 'tap0', undefined)).toEqual({ link: undefined, groupError: undefined });
    // The group set, the device gone before it was read (the GETLINK answered ENODEV): no Link.
    const getFailed = reply('link-set-mtu-too-big-extack-msg', NLMSG_ERROR, getSeq);
    expect(readFollowUp(ns, concat(ok, getFailed), 'tap0', 5)).toEqual({ link: undefined, groupError: undefined });
    // The group's answer missing: whether it was set is unknown, so the device is not taken as read.
    expect(readFollowUp(ns, link, 'tap0', 5).link).toBeUndefined();
    expect(readFollowUp(ns, reply('link-get', C.RTM_NEWLINK, 2), 'tap0', undefined).link).toBeDefined();
  });
});
