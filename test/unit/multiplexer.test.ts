// SPDX-License-Identifier: MIT
// The request state machine against a scripted "kernel": bytes in, bytes out.
import { Writer } from '../../src/netlink/buffer';
import {
  NLM_F_ACK_TLVS,
  NLM_F_CAPPED,
  NLM_F_DUMP_INTR,
  NLM_F_MULTI,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLMSGERR_ATTR_MSG,
  NLMSGERR_ATTR_OFFS,
} from '../../src/netlink/constants';
import { parseDatagram, RequestBuilder } from '../../src/netlink/message';
import { Multiplexer } from '../../src/netlink/multiplexer';
import { encodeMessageBody } from '../../src/netlink/encode';
import { linkRequest } from '../../src/rtnl/link-ops';
import { linkMessage } from '../../src/rtnl/link-attrs';
import * as C from '../../src/rtnl/constants';
import { DumpInterruptedError, NetlinkError } from '../../src/errors';

const PORT = 4242;

function msg(type: number, flags: number, seq: number, body: (w: Writer) => void = () => {}): Uint8Array {
  const w = new Writer();
  w.zeros(16);
  body(w);
  w.pad();
  w.patchU32(0, w.length);
  w.patchU16(4, type);
  w.patchU16(6, flags);
  w.patchU32(8, seq);
  w.patchU32(12, PORT);
  return Uint8Array.from(w.finish());
}

function ack(seq: number, errno = 0, tlv?: { msg?: string; offs?: number }): Uint8Array {
  const flags = NLM_F_CAPPED | (tlv ? NLM_F_ACK_TLVS : 0);
  return msg(NLMSG_ERROR, flags, seq, (w) => {
    w.s32(errno);
    w.zeros(16); // echoed request header (capped)
    if (tlv?.msg !== undefined) {
      const bytes = Buffer.from(`${tlv.msg}\0`);
      w.u16(4 + bytes.length);
      w.u16(NLMSGERR_ATTR_MSG);
      w.bytes(bytes);
      w.pad();
    }
    if (tlv?.offs !== undefined) {
      w.u16(8);
      w.u16(NLMSGERR_ATTR_OFFS);
      w.u32(tlv.offs);
    }
  });
}

function setup() {
  const sent: { bytes: Uint8Array; seq: number }[] = [];
  const events: unknown[] = [];
  const mux = new Multiplexer((bytes, seq) => sent.push({ bytes: Uint8Array.from(bytes), seq }), PORT, {
    onEvent: (m) => events.push(m),
  });
  return { mux, sent, events };
}

function req(type = 16): RequestBuilder {
  const b = new RequestBuilder(type, 0);
  b.w.zeros(16);
  return b;
}

describe('Multiplexer', () => {
  test('pipelines requests and matches out-of-order ACKs by sequence number', async () => {
    const { mux, sent } = setup();
    const a = mux.request(req(), { op: 'RTM_NEWLINK' });
    const b = mux.request(req(), { op: 'RTM_NEWLINK' });
    expect(sent).toHaveLength(2);
    expect(sent[0]!.seq).not.toBe(sent[1]!.seq);
    const hdr = parseDatagram(sent[0]!.bytes)[0]!;
    expect(hdr.pid).toBe(PORT);
    expect(hdr.flags & 0x4).toBe(0x4); // NLM_F_ACK on every change
    mux.handleDatagram(ack(sent[1]!.seq, -17));
    mux.handleDatagram(ack(sent[0]!.seq));
    await expect(a).resolves.toEqual({ messages: [] });
    await expect(b).rejects.toMatchObject({ code: 'EEXIST', errno: -17, op: 'RTM_NEWLINK' });
  });

  test('maps the ext-ACK offset to the attribute path of the request', async () => {
    const { mux, sent } = setup();
    const b = new RequestBuilder(16, 0);
    b.w.zeros(16); // ifinfomsg
    b.w.addSpan(32, 48, '', 'linkinfo', undefined);
    b.w.addSpan(40, 48, 'linkinfo', 'kind', undefined);
    const p = mux.request(b, { op: 'RTM_NEWLINK', describe: 'create dummy "d0"' });
    mux.handleDatagram(ack(sent[0]!.seq, -95, { msg: 'Unknown device type', offs: 40 }));
    const err = (await p.catch((e) => e)) as NetlinkError;
    expect(err).toBeInstanceOf(NetlinkError);
    expect(err.code).toBe('EOPNOTSUPP');
    expect(err.kernelMessage).toBe('Unknown device type');
    expect(err.attrPath).toBe('linkinfo.kind');
    expect(err.message).toContain('create dummy "d0"');
    expect(err.message).toContain('Unknown device type');
  });

  test('a describe function is called only when its request fails, and names it in the error', async () => {
    const { mux, sent } = setup();
    const calls: string[] = [];
    const describe = (what: string) => () => (calls.push(what), `set up "${what}"`);
    const ok = mux.request(req(), { op: 'RTM_NEWLINK', describe: describe('ok0') });
    const bad = mux.request(req(), { op: 'RTM_NEWLINK', describe: describe('bad0') });
    mux.handleDatagram(ack(sent[0]!.seq));
    mux.handleDatagram(ack(sent[1]!.seq, -19));
    await expect(ok).resolves.toEqual({ messages: [] });
    const err = (await bad.catch((e) => e)) as NetlinkError;
    expect(err.code).toBe('ENODEV');
    expect(err.message).toContain('set up "bad0"');
    expect(calls).toEqual(['bad0']);
  });

  test('a request encoded without spans gets them by encoding again when the kernel names an offset', async () => {
    const { mux, sent } = setup();
    const attrs = { ifname: 'v0', linkinfo: { kind: 'veth', data: { peer: { header: {}, attrs: { ifname: 'v0' } } } } };
    const b = linkRequest(C.RTM_NEWLINK, 0, {}, attrs);
    expect(b.w.spans).toEqual([]); // nothing recorded while encoding
    const eager = new Writer();
    eager.zeros(16);
    encodeMessageBody(linkMessage, { family: C.AF_UNSPEC, type: 0, index: 0, flags: 0, change: 0 }, attrs, eager);
    expect(b.spans()).toEqual(eager.spans);
    const peerName = eager.spans.find((sp) => sp.path === 'linkinfo.data.peer.ifname')!;
    const p = mux.request(b, { op: 'RTM_NEWLINK' });
    mux.handleDatagram(ack(sent[0]!.seq, -17, { msg: 'File exists', offs: peerName.start }));
    expect(((await p.catch((e) => e)) as NetlinkError).attrPath).toBe('linkinfo.data.peer.ifname');
  });

  test('requests share a slab without overwriting each other: many in a row, one that outgrows its piece, across slab changes', () => {
    const made: [ReturnType<typeof linkRequest>, Uint8Array][] = [];
    const expected = (i: number) => {
      const w = new Writer();
      w.zeros(16);
      encodeMessageBody(linkMessage, { family: C.AF_UNSPEC, type: 0, index: i, flags: 0, change: 0 }, { ifname: `v${i}`, ifalias: 'x'.repeat(i % 97 === 0 ? 3000 : i % 50) }, w);
      w.pad();
      return Uint8Array.from(w.finish().subarray(16));
    };
    // ~5,000 requests of 40-3,100 bytes: several 64 KiB slabs, and some larger than a slab's free tail.
    for (let i = 0; i < 5000; i++) {
      const b = linkRequest(C.RTM_NEWLINK, 0, { index: i }, { ifname: `v${i}`, ifalias: 'x'.repeat(i % 97 === 0 ? 3000 : i % 50) });
      made.push([b, expected(i)]);
    }
    made.forEach(([b, body], i) => {
      const bytes = b.finish(i + 1, 7);
      expect(bytes.length % 4).toBe(0);
      expect(new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true)).toBe(bytes.length);
      expect(new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true)).toBe(i + 1);
      expect(Buffer.from(bytes.subarray(16)).equals(Buffer.from(body))).toBe(true);
    });
  });

  test('surfaces an ext-ACK message on success as a warning', async () => {
    const { mux, sent } = setup();
    const p = mux.request(req(), { op: 'RTM_NEWLINK' });
    mux.handleDatagram(ack(sent[0]!.seq, 0, { msg: 'something to know' }));
    await expect(p).resolves.toMatchObject({ warning: { message: 'something to know' } });
  });

  test('collects a multipart dump and runs one dump at a time', async () => {
    const { mux, sent } = setup();
    const d1 = mux.request(req(18), { op: 'RTM_GETLINK', dump: true });
    const d2 = mux.request(req(18), { op: 'RTM_GETLINK', dump: true });
    expect(sent).toHaveLength(1); // the second dump waits
    const s1 = sent[0]!.seq;
    mux.handleDatagram(Buffer.concat([msg(16, NLM_F_MULTI, s1), msg(16, NLM_F_MULTI, s1)]));
    mux.handleDatagram(msg(NLMSG_DONE, NLM_F_MULTI, s1, (w) => w.s32(0)));
    expect((await d1).messages).toHaveLength(2);
    expect(sent).toHaveLength(2);
    mux.handleDatagram(msg(NLMSG_DONE, NLM_F_MULTI, sent[1]!.seq, (w) => w.s32(0)));
    expect((await d2).messages).toHaveLength(0);
  });

  test('retries an interrupted dump, then fails with the partial result', async () => {
    const { mux, sent } = setup();
    const d = mux.request(req(18), { op: 'RTM_GETLINK', dump: true, attempts: 3 });
    for (let i = 0; i < 3; i++) {
      const s = sent[i]!.seq;
      mux.handleDatagram(msg(16, NLM_F_MULTI | NLM_F_DUMP_INTR, s));
      mux.handleDatagram(msg(NLMSG_DONE, NLM_F_MULTI | NLM_F_DUMP_INTR, s, (w) => w.s32(0)));
    }
    const err = (await d.catch((e) => e)) as DumpInterruptedError;
    expect(err).toBeInstanceOf(DumpInterruptedError);
    expect(err.attempts).toBe(3);
    expect(err.partial).toHaveLength(1);
    expect(sent).toHaveLength(3);
  });

  test('an interrupted dump that succeeds on retry resolves with the fresh result only', async () => {
    const { mux, sent } = setup();
    const d = mux.request(req(18), { op: 'RTM_GETLINK', dump: true });
    mux.handleDatagram(msg(16, NLM_F_MULTI | NLM_F_DUMP_INTR, sent[0]!.seq));
    mux.handleDatagram(msg(NLMSG_DONE, NLM_F_MULTI | NLM_F_DUMP_INTR, sent[0]!.seq, (w) => w.s32(0)));
    mux.handleDatagram(msg(16, NLM_F_MULTI, sent[1]!.seq));
    mux.handleDatagram(msg(16, NLM_F_MULTI, sent[1]!.seq));
    mux.handleDatagram(msg(NLMSG_DONE, NLM_F_MULTI, sent[1]!.seq, (w) => w.s32(0)));
    expect((await d).messages).toHaveLength(2);
  });

  test('a dump error carried in NLMSG_DONE rejects', async () => {
    const { mux, sent } = setup();
    const d = mux.request(req(18), { op: 'RTM_GETLINK', dump: true });
    mux.handleDatagram(msg(NLMSG_DONE, NLM_F_MULTI, sent[0]!.seq, (w) => w.s32(-22)));
    await expect(d).rejects.toMatchObject({ code: 'EINVAL' });
  });

  test('messages with unknown or zero seq go to the event callback', () => {
    const { mux, events } = setup();
    mux.handleDatagram(msg(16, 0, 0));
    mux.handleDatagram(msg(16, 0, 12345));
    expect(events).toHaveLength(2);
  });

  test('failAll rejects everything and, when final, refuses new requests', async () => {
    const { mux } = setup();
    const p = mux.request(req(), { op: 'RTM_NEWLINK' });
    mux.failAll(new Error('closed'), true);
    await expect(p).rejects.toThrow('closed');
    await expect(mux.request(req(), { op: 'RTM_NEWLINK' })).rejects.toThrow('closed');
    expect(mux.size).toBe(0);
  });

  test('requests over the window wait and go out as answers arrive', async () => {
    const sent: number[] = [];
    const mux = new Multiplexer((_b, seq) => sent.push(seq), PORT, { window: 2 });
    const ps = [0, 1, 2, 3].map(() => mux.request(req(), { op: 'RTM_NEWLINK' }));
    expect(sent).toHaveLength(2);
    mux.handleDatagram(ack(sent[0]!));
    expect(sent).toHaveLength(3);
    mux.handleDatagram(ack(sent[1]!));
    mux.handleDatagram(ack(sent[2]!));
    mux.handleDatagram(ack(sent[3]!));
    await Promise.all(ps);
  });
});
