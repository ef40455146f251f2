// SPDX-License-Identifier: MIT
import { Writer } from '../../src/netlink/buffer';
import { decodeAttrs, decodeStruct, encodeAttrs, encodeStruct, pickAttrs, unknownAttributes } from '../../src/netlink/codec';
import { formatMac } from '../../src/util/addr';
import { defineAttrs, defineStruct } from '../../src/netlink/schema';
import { DecodeError, EncodeError } from '../../src/errors';

const inner = defineAttrs('inner', {
  name: { id: 1, type: 'string' },
  big: { id: 2, type: 'u64' },
});
const kindA = defineAttrs('kindA', { x: { id: 1, type: 'u16' } });
const outer = defineAttrs('outer', {
  u8: { id: 1, type: 'u8' },
  u32: { id: 2, type: 'u32' },
  be16: { id: 3, type: 'u16', byteOrder: 'be' },
  mac: { id: 4, type: 'binary', hint: 'mac' },
  flag: { id: 5, type: 'flag' },
  nest: { id: 6, type: 'nest', attrs: () => inner },
  kind: { id: 7, type: 'string' },
  data: { id: 8, type: 'sub-message', selector: 'kind', variants: () => ({ a: kindA }) },
  alt: { id: 9, type: 'string', multi: true },
  ip: { id: 10, type: 'binary', hint: 'ip' },
});

function encode(values: Record<string, unknown>): Uint8Array {
  const w = new Writer();
  encodeAttrs(outer, values, w);
  return Uint8Array.from(w.finish());
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('attribute codec', () => {
  test('encodes TLVs with 4-byte alignment and host/big-endian integers', () => {
    expect(hex(encode({ u8: 7 }))).toBe('0500010007000000');
    expect(hex(encode({ u32: 0x01020304 }))).toBe('0800020004030201');
    expect(hex(encode({ be16: 0x8100 }))).toBe('0600030081000000');
    expect(hex(encode({ flag: true }))).toBe('04000500');
    expect(hex(encode({ kind: 'ab' }))).toBe('0700070061620000');
  });

  test('round-trips every type, sub-messages selected by a sibling that comes later', () => {
    const values = {
      data: { x: 513 },
      u8: 1,
      mac: '02:00:00:00:00:0a',
      nest: { name: 'eth0', big: 1n << 40n },
      kind: 'a',
      alt: ['one', 'two'],
      ip: '2001:db8::1',
    };
    const bytes = encode(values);
    const decoded = decodeAttrs(outer, bytes);
    expect(decoded).toEqual(values);
    // Unchanged decoded objects re-encode to identical bytes (wire order kept).
    const w = new Writer();
    encodeAttrs(outer, decoded, w);
    expect(hex(w.finish())).toBe(hex(bytes));
  });

  test('keeps unknown attributes and re-emits them in place', () => {
    const bytes = Uint8Array.from(Buffer.from('05000100070000000800630001020304080002002a000000', 'hex'));
    const decoded = decodeAttrs(outer, bytes);
    expect(decoded).toEqual({ u8: 7, u32: 42 });
    expect(unknownAttributes(decoded)).toEqual([{ id: 99, bytes: Uint8Array.from([1, 2, 3, 4]) }]);
    const w = new Writer();
    encodeAttrs(outer, decoded, w);
    expect(hex(w.finish())).toBe(hex(bytes));
  });

  test('a changed value is re-encoded, the rest kept', () => {
    const decoded = decodeAttrs(outer, encode({ u8: 1, u32: 2 }));
    decoded.u32 = 3;
    const w = new Writer();
    encodeAttrs(outer, decoded, w);
    expect(decodeAttrs(outer, w.finish())).toEqual({ u8: 1, u32: 3 });
  });

  test('refuses unknown keys and out-of-range values with the attribute path', () => {
    expect(() => encode({ nope: 1 })).toThrow(EncodeError);
    expect(() => encode({ u8: 256 })).toThrow(/u8.*out of range/);
    expect(() => encode({ nest: { big: -1n } })).toThrow(expect.objectContaining({ path: 'nest.big' }));
    expect(() => encode({ alt: ['a', 7] })).toThrow(expect.objectContaining({ path: 'alt[1]' }));
    expect(() => encode({ kind: 'a', data: { x: 70000 } })).toThrow(expect.objectContaining({ path: 'data.x' }));
    expect(() => encode({ mac: '02:00' })).toThrow(expect.objectContaining({ argument: 'mac' }));
    const s = defineStruct('hdr', 4, [{ name: 'a', type: 'u16' }, { name: 'b', type: 'u16' }]);
    expect(() => encodeStruct(s, { a: 1, b: -1 }, new Writer())).toThrow(expect.objectContaining({ path: 'hdr.b' }));
  });

  test('spans name every attribute written, nested and repeated ones included', () => {
    const w = new Writer();
    encodeAttrs(outer, { u8: 1, nest: { name: 'é', big: 1n }, alt: ['x', 'y'] }, w);
    const paths = w.spans.map((sp) => sp.path);
    expect(paths).toEqual(['u8', 'nest.name', 'nest.big', 'nest', 'alt[0]', 'alt[1]']);
    for (const sp of w.spans) expect(sp.end).toBeGreaterThan(sp.start);
    // A non-ASCII string is written as UTF-8.
    expect(decodeAttrs(outer, w.finish()).nest).toMatchObject({ name: 'é' });
  });

  test('truncated input throws DecodeError with the offset', () => {
    const bytes = encode({ u32: 5, nest: { name: 'x' } });
    expect(() => decodeAttrs(outer, bytes.subarray(0, bytes.length - 6))).toThrow(DecodeError);
    const short = Uint8Array.from([8, 0, 2, 0, 1]); // claims 8 bytes, has 5
    expect(() => decodeAttrs(outer, short)).toThrow(expect.objectContaining({ offset: 0 }));
  });

  test('a nested attribute error names its path', () => {
    // nest(6) containing big(2) with 4 bytes instead of 8
    const bytes = Uint8Array.from(Buffer.from('0c000600' + '08000200' + '01000000', 'hex'));
    expect(() => decodeAttrs(outer, bytes)).toThrow(expect.objectContaining({ path: 'nest.big' }));
  });

  test('pickAttrs decodes what the full decoder does for the attributes picked, nests included, and names the offset of a bad one', () => {
    const bytes = encode({ u32: 5, nest: { name: 'xyz' } });
    const full = decodeAttrs(outer, bytes);
    expect(pickAttrs(outer, bytes, { u32: true, nest: { name: true } })).toEqual({ u32: full.u32, nest: { name: 'xyz' } });
    expect(pickAttrs(outer, bytes, { nest: true })).toEqual({ nest: { name: 'xyz' } });
    // A nest whose inner length runs past the nest's end: the offset counts from `base`.
    const bad = Uint8Array.from(Buffer.from('0c000600' + '0c000100' + '61620000', 'hex'));
    expect(() => pickAttrs(outer, bad, { nest: { name: true } }, 100)).toThrow(expect.objectContaining({ offset: 104 }));
  });

  test('formatMac: 6 bytes (from an offset) and other lengths', () => {
    expect(formatMac(Uint8Array.of(0, 0x1a, 0xff, 0x10, 0xab, 9))).toBe('00:1a:ff:10:ab:09');
    expect(formatMac(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8), 1, 6)).toBe('02:03:04:05:06:07');
    expect(formatMac(Uint8Array.of(0xde, 0xad, 0xbe))).toBe('de:ad:be');
    expect(formatMac(new Uint8Array(20).fill(0xaa), 0, 20)).toBe(Array(20).fill('aa').join(':'));
  });
});

describe('struct codec', () => {
  const s = defineStruct('s', 8, [
    { name: 'a', type: 'u8' },
    { name: '_p', type: 'pad', size: 1 },
    { name: 'b', type: 'u16' },
    { name: 'c', type: 's32' },
  ]);

  test('decodes a longer kernel struct and keeps its tail', () => {
    const bytes = Uint8Array.from([1, 0, 2, 0, 0xff, 0xff, 0xff, 0xff, 9, 9, 9, 9]);
    const v = decodeStruct(s, bytes);
    expect(v).toEqual({ a: 1, b: 2, c: -1 });
    const w = new Writer();
    encodeStruct(s, v, w);
    expect(hex(w.finish())).toBe(hex(bytes));
  });

  test('decodes a shorter (older kernel) struct as far as it goes', () => {
    expect(decodeStruct(s, Uint8Array.from([1, 0, 2, 0]))).toEqual({ a: 1, b: 2 });
  });

  test('defineStruct checks the declared size', () => {
    expect(() => defineStruct('bad', 4, [{ name: 'a', type: 'u8' }])).toThrow(/add up to 1/);
  });
});

describe('Writer', () => {
  test('numbers written as it outgrows its buffer land in the new one (a 1,128-byte link message)', () => {
    const w = new Writer();
    for (let i = 0; i < 300; i++) {
      w.u16(i);
      w.u32(i * 65537);
      w.u8(i & 0xff);
      w.s32(-i);
      w.u64(BigInt(i));
    }
    const b = Buffer.from(w.finish());
    expect(b.length).toBe(300 * 19);
    expect(b.readUInt16LE(18 * 19)).toBe(18);
    expect(b.readUInt32LE(299 * 19 + 2)).toBe((299 * 65537) >>> 0);
    expect(b.readInt32LE(299 * 19 + 7)).toBe(-299);
    expect(b.readBigUInt64LE(299 * 19 + 11)).toBe(299n);
  });
});
