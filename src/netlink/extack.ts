// SPDX-License-Identifier: MIT
// NLMSG_ERROR / NLMSG_DONE payloads and the extended ACK that may follow them, with the kernel's
// error offset mapped back to the attribute path of our own request.

import { ExtAck, NetlinkError } from '../errors';
import { align4, hostU32, Reader, Span } from './buffer';
import {
  NLM_F_ACK_TLVS,
  NLM_F_CAPPED,
  NLMSG_HDRLEN,
  NLMSGERR_ATTR_COOKIE,
  NLMSGERR_ATTR_MISS_NEST,
  NLMSGERR_ATTR_MISS_TYPE,
  NLMSGERR_ATTR_MSG,
  NLMSGERR_ATTR_OFFS,
  NLMSGERR_ATTR_POLICY,
} from './constants';
import { NlMsg } from './message';

export interface AckResult {
  /** 0 for success, else a negative errno. */
  error: number;
  extack?: ExtAck;
}

const text = new TextDecoder();

/** The result of every successful ACK without ext-ACK TLVs (frozen: shared by all of them). */
const PLAIN_ACK: Readonly<AckResult> = Object.freeze({ error: 0 });

/** Decodes the TLVs that follow an error or done payload. */
export function parseExtAckTlvs(b: Uint8Array): ExtAck | undefined {
  const r = new Reader(b, 0, 'extack');
  const ack: ExtAck = {};
  let any = false;
  for (let at = 0; at + 4 <= b.length; ) {
    const len = r.u16(at);
    const type = r.u16(at + 2) & 0x3fff;
    if (len < 4 || at + len > b.length) break;
    const v = b.subarray(at + 4, at + len);
    any = true;
    switch (type) {
      case NLMSGERR_ATTR_MSG: {
        const nul = v.indexOf(0);
        ack.message = text.decode(nul >= 0 ? v.subarray(0, nul) : v);
        break;
      }
      case NLMSGERR_ATTR_OFFS:
        if (v.length >= 4) ack.offset = new Reader(v).u32(0);
        break;
      case NLMSGERR_ATTR_MISS_TYPE:
        if (v.length >= 4) ack.missingType = new Reader(v).u32(0);
        break;
      case NLMSGERR_ATTR_MISS_NEST:
        if (v.length >= 4) ack.missingNest = new Reader(v).u32(0);
        break;
      case NLMSGERR_ATTR_COOKIE:
        ack.cookie = Uint8Array.from(v);
        break;
      case NLMSGERR_ATTR_POLICY:
        ack.policy = Uint8Array.from(v);
        break;
    }
    at += align4(len);
  }
  return any ? ack : undefined;
}

/**
 * NLMSG_ERROR: s32 error, then the original request's header, then (unless the kernel capped it,
 * NLM_F_CAPPED) the original payload, then ext-ACK TLVs when NLM_F_ACK_TLVS is set. The TLVs are
 * found by skipping the echoed request by its own length, so both layouts are handled.
 */
export function parseError(msg: NlMsg): Readonly<AckResult> {
  // A plain ACK (most replies of a burst) is read without a Reader: its DataView and the Reader were
  // most of what each ACK allocated.
  if (!(msg.flags & NLM_F_ACK_TLVS) && msg.payload.length >= 4) {
    const error = hostU32(msg.payload, 0) | 0;
    return error === 0 ? PLAIN_ACK : { error };
  }
  // With TLVs, or too short to hold the error (then s32 throws a DecodeError naming it).
  const r = new Reader(msg.payload, NLMSG_HDRLEN, 'nlmsgerr');
  const error = r.s32(0);
  let skip = 4 + NLMSG_HDRLEN;
  if (!(msg.flags & NLM_F_CAPPED) && msg.payload.length >= 4 + NLMSG_HDRLEN) skip = 4 + align4(r.u32(4));
  const extack = parseExtAckTlvs(msg.payload.subarray(Math.min(skip, msg.payload.length)));
  return extack ? { error, extack } : { error };
}

/** NLMSG_DONE of a dump: an optional s32 error, then optional ext-ACK TLVs. */
export function parseDone(msg: NlMsg): AckResult {
  if (msg.payload.length < 4) return { error: 0 };
  const error = new Reader(msg.payload).s32(0);
  if (!(msg.flags & NLM_F_ACK_TLVS)) return { error };
  const extack = parseExtAckTlvs(msg.payload.subarray(4));
  return extack ? { error, extack } : { error };
}

/** The innermost encoded attribute containing `offset` (offsets count from the nlmsghdr). */
export function attrPathAt(spans: readonly Span[], offset: number): string | undefined {
  let best: Span | undefined;
  for (const s of spans) {
    if (offset >= s.start && offset < s.end && (!best || s.end - s.start < best.end - best.start)) best = s;
  }
  return best?.path;
}

/** A request as a failed ACK's error names it. */
export interface AckedRequest {
  op: string;
  /** What the caller asked for, in words; a function is called now, the request having failed. */
  describe?: string | (() => string) | undefined;
  seq: number;
  /** The request's attribute spans, asked for only when the kernel named an offset. */
  spans?: () => readonly Span[];
}

/**
 * The NetlinkError of a request the kernel refused, with the ext-ACK's offset named by the
 * attribute path it points into (when `spans` is given). Used by the multiplexer and by the
 * requests a namespace-thread job sends itself (tun-follow-up.ts), so both errors read alike.
 */
export function ackError(error: number, extack: ExtAck | undefined, req: AckedRequest): NetlinkError {
  const ack = extack ? { ...extack } : undefined;
  if (ack?.offset !== undefined && req.spans) {
    const path = attrPathAt(req.spans(), ack.offset);
    if (path) ack.attrPath = path;
  }
  let request: string | undefined;
  try {
    request = typeof req.describe === 'function' ? req.describe() : req.describe;
  } catch {
    // A describe that throws must not cost the caller its error (nor the multiplexer its state).
  }
  return new NetlinkError({
    errno: error,
    op: req.op,
    ...(request !== undefined ? { request } : {}),
    ...(ack ? { extack: ack } : {}),
    seq: req.seq,
  });
}
