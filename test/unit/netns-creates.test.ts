// SPDX-License-Identifier: MIT
// The lo-up request a namespace-creating job sends from inside each new namespace, and how its
// replies are read (the kernel's part is in test/kernel/namespace.test.ts).
import { NetlinkError } from '../../src/errors';
import { Writer } from '../../src/netlink/buffer';
import { NLM_F_ACK_TLVS, NLM_F_CAPPED, NLMSG_ERROR, NLMSGERR_ATTR_MSG } from '../../src/netlink/constants';
import { loopbackResult } from '../../src/objects/netns-creates';

function ack(seq: number, errno: number, msg?: string): Uint8Array {
  const w = new Writer();
  w.zeros(16);
  w.s32(errno);
  w.zeros(16); // the request's header, echoed (capped)
  if (msg !== undefined) {
    const bytes = Buffer.from(`${msg}\0`);
    w.u16(4 + bytes.length);
    w.u16(NLMSGERR_ATTR_MSG);
    w.bytes(bytes);
    w.pad();
  }
  w.patchU32(0, w.length);
  w.patchU16(4, NLMSG_ERROR);
  w.patchU16(6, NLM_F_CAPPED | (msg !== undefined ? NLM_F_ACK_TLVS : 0));
  w.patchU32(8, seq);
  return Uint8Array.from(w.finish());
}

describe('loopbackResult', () => {
  test('a successful ACK: lo is up, nothing to do', () => {
    expect(loopbackResult(ack(1, 0))).toBeUndefined();
  });

  test('no replies, or none for the request: not tried, the caller brings lo up itself', () => {
    expect(loopbackResult(undefined)).toBe('not-tried');
    expect(loopbackResult(ack(7, 0))).toBe('not-tried');
  });

  test('a refusal is a NetlinkError naming the request and carrying the kernel message', () => {
    const err = loopbackResult(ack(1, -1, 'Operation not permitted here'));
    expect(err).toBeInstanceOf(NetlinkError);
    expect(err).toMatchObject({ code: 'EPERM', op: 'RTM_NEWLINK', kernelMessage: 'Operation not permitted here' });
    expect((err as Error).message).toContain('set up "lo" in the new namespace');
  });
});
