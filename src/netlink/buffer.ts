// SPDX-License-Identifier: MIT
// Growable writer and bounds-checked reader for netlink's little pieces: host-order integers,
// 4-byte alignment, and length fields that are back-patched once the contents are known.

import { DecodeError } from '../errors';

const utf8Encoder = new TextEncoder();

/** The dotted path of an attribute: parent.key, with [index] for a repeated one. */
export function joinPath(path: string, key: string, index?: number): string {
  const p = path ? `${path}.${key}` : key;
  return index === undefined ? p : `${p}[${index}]`;
}

const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

// Host-order reads straight from the bytes, unchecked (the caller has checked the length): for
// hot paths where a Reader, i.e. a DataView per buffer, would be most of what is allocated.
export const hostU16 = (b: Uint8Array, at: number): number => (LITTLE ? b[at]! | (b[at + 1]! << 8) : (b[at]! << 8) | b[at + 1]!);
export const hostU32 = (b: Uint8Array, at: number): number =>
  (LITTLE ? b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24) : (b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;

/** Rounds up to netlink's 4-byte alignment (NLMSG_ALIGN / NLA_ALIGN). */
export function align4(n: number): number {
  return (n + 3) & ~3;
}

/** One encoded attribute's position, kept so a kernel error offset can be named. */
export interface Span {
  start: number;
  end: number;
  path: string;
}

// Requests are small (40-200 bytes) and made by the thousand in a burst; an ArrayBuffer of their
// own cost ~2.8 us each to allocate (a backing store outside V8's heap, swept by the GC later). So
// request writers take consecutive pieces of a shared slab instead, and only one that outgrows its
// piece moves to a buffer of its own. A slab is freed once no request in it is referenced.
const SLAB_BYTES = 64 * 1024;
const SLAB_MIN_FREE = 1024;
let slab = new Uint8Array(SLAB_BYTES);
let slabView = new DataView(slab.buffer);
let slabUsed = 0;

// Each setter reserves before it reads `this.view`: reserve() may move the bytes to a new buffer,
// and `this.view.setX(this.reserve(n), ...)` would write through the old view (JS evaluates the
// callee first), past its end once a writer outgrew 256 bytes.
export class Writer {
  private buf: Uint8Array;
  private view: DataView;
  /** Where this writer's bytes start in `buf` (non-zero only on a slab). */
  private base = 0;
  private onSlab = false;
  length = 0;
  // Spans flat, five slots each (start, end, parent path, key, index), and their paths joined only
  // when an error asks: a request is encoded thousands of times in a burst and fails rarely, and a
  // path string plus a span object per attribute were a third of the encoder's allocations.
  // A request's writer records none at all (see RequestBuilder): its spans are made again, by
  // encoding once more, only when the kernel names an offset.
  private readonly spanData: (number | string | undefined)[] | undefined;

  /**
   * `fromSlab`: a request writer on the shared slab (see above). Only one may be open at a time:
   * `commit()` it once its bytes are written, before the next is made, or drop it uncommitted.
   */
  constructor(initial = 256, recordSpans = true, fromSlab = false) {
    if (fromSlab) {
      if (SLAB_BYTES - slabUsed < SLAB_MIN_FREE) {
        slab = new Uint8Array(SLAB_BYTES);
        slabView = new DataView(slab.buffer);
        slabUsed = 0;
      }
      this.buf = slab;
      this.view = slabView;
      this.base = slabUsed;
      this.onSlab = true;
    } else {
      this.buf = new Uint8Array(initial);
      this.view = new DataView(this.buf.buffer);
    }
    this.spanData = recordSpans ? [] : undefined;
  }

  /** Keeps a slab writer's bytes: the next one starts after them (8-byte aligned). */
  commit(): void {
    if (this.onSlab) slabUsed = (this.base + this.length + 7) & ~7;
  }

  /** Makes room for n more bytes; returns where they go in `buf`. */
  private reserve(n: number): number {
    if (this.base + this.length + n > this.buf.length) this.grow(n);
    const at = this.base + this.length;
    this.length += n;
    return at;
  }

  /** Moves to a buffer of its own (out of the slab, or twice as large), keeping what was written. */
  private grow(n: number): void {
    let size = this.onSlab ? 256 : this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(this.base, this.base + this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
    this.base = 0;
    this.onSlab = false;
  }

  u8(v: number): void {
    const at = this.reserve(1);
    this.view.setUint8(at, v);
  }
  u16(v: number, be = false): void {
    const at = this.reserve(2);
    this.view.setUint16(at, v, !be && LITTLE);
  }
  u32(v: number, be = false): void {
    const at = this.reserve(4);
    this.view.setUint32(at, v >>> 0, !be && LITTLE);
  }
  s8(v: number): void {
    const at = this.reserve(1);
    this.view.setInt8(at, v);
  }
  s16(v: number, be = false): void {
    const at = this.reserve(2);
    this.view.setInt16(at, v, !be && LITTLE);
  }
  s32(v: number, be = false): void {
    const at = this.reserve(4);
    this.view.setInt32(at, v, !be && LITTLE);
  }
  u64(v: bigint, be = false): void {
    const at = this.reserve(8);
    this.view.setBigUint64(at, v, !be && LITTLE);
  }
  s64(v: bigint, be = false): void {
    const at = this.reserve(8);
    this.view.setBigInt64(at, v, !be && LITTLE);
  }
  bytes(b: Uint8Array): void {
    const at = this.reserve(b.length);
    this.buf.set(b, at);
  }
  zeros(n: number): void {
    const at = this.reserve(n);
    this.buf.fill(0, at, at + n);
  }
  /** Pads with zeros to the next 4-byte boundary. */
  pad(): void {
    const target = align4(this.length);
    if (target > this.length) this.zeros(target - this.length);
  }
  patchU16(at: number, v: number): void {
    this.view.setUint16(this.base + at, v, LITTLE);
  }
  patchU32(at: number, v: number): void {
    this.view.setUint32(this.base + at, v >>> 0, LITTLE);
  }
  /** Records where an attribute was written; its path is parent.key or parent.key[index]. */
  addSpan(start: number, end: number, parent: string, key: string, index: number | undefined): void {
    this.spanData?.push(start, end, parent, key, index);
  }

  /** Attribute spans written so far (absolute offsets into this writer), with their paths. */
  get spans(): Span[] {
    const out: Span[] = [];
    const d = this.spanData ?? [];
    for (let i = 0; i < d.length; i += 5) {
      out.push({ start: d[i] as number, end: d[i + 1] as number, path: joinPath(d[i + 2] as string, d[i + 3] as string, d[i + 4] as number | undefined) });
    }
    return out;
  }

  /** Writes a string as UTF-8 (ASCII, the common case for names, without a temporary buffer). */
  utf8(s: string): void {
    let ascii = true;
    for (let i = 0; i < s.length; i++) {
      if (s.charCodeAt(i) > 0x7f) {
        ascii = false;
        break;
      }
    }
    if (!ascii) return this.bytes(utf8Encoder.encode(s));
    const at = this.reserve(s.length);
    for (let i = 0; i < s.length; i++) this.buf[at + i] = s.charCodeAt(i);
  }

  /** The written bytes (a view, not a copy). */
  finish(): Uint8Array {
    return this.buf.subarray(this.base, this.base + this.length);
  }
}

export class Reader {
  readonly view: DataView;
  constructor(
    readonly bytes: Uint8Array,
    /** Where this reader's data sits in the enclosing message, for error messages. */
    readonly base = 0,
    readonly path = '',
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get length(): number {
    return this.bytes.length;
  }

  private check(at: number, n: number, what: string): void {
    if (at < 0 || at + n > this.bytes.length) {
      throw new DecodeError(
        `${what} at offset ${at} needs ${n} bytes but only ${Math.max(0, this.bytes.length - at)} remain`,
        this.path,
        this.base + at,
      );
    }
  }

  u8(at: number): number {
    this.check(at, 1, 'u8');
    return this.view.getUint8(at);
  }
  u16(at: number, be = false): number {
    this.check(at, 2, 'u16');
    return this.view.getUint16(at, !be && LITTLE);
  }
  u32(at: number, be = false): number {
    this.check(at, 4, 'u32');
    return this.view.getUint32(at, !be && LITTLE);
  }
  s8(at: number): number {
    this.check(at, 1, 's8');
    return this.view.getInt8(at);
  }
  s16(at: number, be = false): number {
    this.check(at, 2, 's16');
    return this.view.getInt16(at, !be && LITTLE);
  }
  s32(at: number, be = false): number {
    this.check(at, 4, 's32');
    return this.view.getInt32(at, !be && LITTLE);
  }
  u64(at: number, be = false): bigint {
    this.check(at, 8, 'u64');
    return this.view.getBigUint64(at, !be && LITTLE);
  }
  s64(at: number, be = false): bigint {
    this.check(at, 8, 's64');
    return this.view.getBigInt64(at, !be && LITTLE);
  }
  slice(at: number, n: number): Uint8Array {
    this.check(at, n, 'bytes');
    return this.bytes.subarray(at, at + n);
  }
}
