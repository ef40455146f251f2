// SPDX-License-Identifier: MIT
// struct nlmsghdr framing: building one request, splitting a received datagram into messages.

import { DecodeError } from '../errors';
import { align4, hostU16, hostU32, Span, Writer } from './buffer';
import { NLMSG_HDRLEN } from './constants';

/** One netlink message as received: header fields and the payload after the 16-byte header. */
export interface NlMsg {
  len: number;
  type: number;
  flags: number;
  seq: number;
  pid: number;
  payload: Uint8Array;
}

/**
 * Splits a datagram into its messages; a length that does not fit is a DecodeError. The header's
 * fields are read byte by byte rather than through a Reader: a DataView per datagram, in bursts of
 * thousands of one-message replies, was garbage for the GC.
 */
export function parseDatagram(buf: Uint8Array): NlMsg[] {
  let out: NlMsg[] | undefined;
  let at = 0;
  while (at + NLMSG_HDRLEN <= buf.length) {
    const len = hostU32(buf, at);
    if (len < NLMSG_HDRLEN || at + len > buf.length) {
      throw new DecodeError(`nlmsg_len ${len} does not fit the ${buf.length - at} bytes left`, 'nlmsghdr', at);
    }
    const msg: NlMsg = {
      len,
      type: hostU16(buf, at + 4),
      flags: hostU16(buf, at + 6),
      seq: hostU32(buf, at + 8),
      pid: hostU32(buf, at + 12),
      // A plain view: subarray() of a Node Buffer goes through Buffer's species constructor (a
      // FastBuffer built in JS), several µs per message in a burst of thousands.
      payload: new Uint8Array(buf.buffer, buf.byteOffset + at + NLMSG_HDRLEN, len - NLMSG_HDRLEN),
    };
    at += align4(len);
    // Most datagrams are one reply: an array of exactly one (a push would reserve room for 17).
    if (out) out.push(msg);
    else out = [msg];
  }
  return out ?? [];
}

/**
 * A request being built: the header is reserved first so that attribute offsets recorded by the
 * writer are offsets from the start of the nlmsghdr, which is what the kernel's ext-ACK reports.
 *
 * Given `body`, the builder encodes it at once without recording spans and keeps `body` to encode
 * it again, recording them, if an error asks for them (`spans()`): in a burst every request is
 * encoded and almost none fails, and the spans were a tenth of what each request allocated and kept
 * alive while in flight. `body` must encode the same bytes each time (it captures its values).
 * A builder is for one request: the connection copies its bytes at the end of the microtask run
 * it was sent in, so the same builder sent twice in that time would go out twice with one seq.
 */
export class RequestBuilder {
  readonly w: Writer;
  constructor(
    readonly type: number,
    public flags: number,
    private readonly body?: (w: Writer) => void,
  ) {
    // With a body, on the shared slab (no spans are recorded there; see Writer).
    this.w = new Writer(256, body === undefined, body !== undefined);
    this.w.zeros(NLMSG_HDRLEN);
    if (body) {
      body(this.w);
      this.w.pad(); // what finish() would add, so that it stays inside the committed piece
      this.w.commit();
    }
  }

  /** Where each attribute of the request was written, with its path, for naming an ext-ACK offset. */
  spans(): Span[] {
    if (!this.body) return this.w.spans;
    const again = new Writer(this.w.length);
    again.zeros(NLMSG_HDRLEN);
    this.body(again);
    return again.spans;
  }

  /** Stamps the header; the buffer stays valid until the next write. */
  finish(seq: number, pid = 0): Uint8Array {
    const w = this.w;
    w.pad();
    w.patchU32(0, w.length);
    w.patchU16(4, this.type);
    w.patchU16(6, this.flags);
    w.patchU32(8, seq);
    w.patchU32(12, pid);
    return w.finish();
  }
}

/**
 * A copy of a finished request's bytes, for requests kept and sent later by native code (a
 * namespace-thread job): finish() returns a view on a shared slab that the next request reuses.
 */
export function requestBytes(b: RequestBuilder, seq: number): Uint8Array {
  return Uint8Array.from(b.finish(seq));
}
