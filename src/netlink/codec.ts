// SPDX-License-Identifier: MIT
// Schema-driven decoding of attributes and fixed structs (encoding is in encode.ts, re-exported here).
//
// Decoding is tolerant: unknown attributes are kept, structs longer than we know keep their tail,
// and each decoded object remembers (in a WeakMap, codec-meta.ts) the wire order, flags and raw
// bytes of what it came from. Encoding an unchanged decoded object therefore reproduces the original
// bytes exactly; changed or added values are encoded from the schema.

import { DecodeError } from '../errors';
import { formatIp, formatMac } from '../util/addr';
import { align4, Reader } from './buffer';
import { AttrsMeta, attrsMeta, joinPath, structMeta, Values } from './codec-meta';
import { NLA_TYPE_MASK } from './constants';
import { AttrSet, AttrSpec, fieldSize, MessageSchema, StructSpec } from './schema';

export type { Values } from './codec-meta';
export { encodeAttrs, encodeMessageBody, encodeStruct } from './encode';


/** Attributes the decoder did not recognise: `[{ id, bytes }]`. */
export function unknownAttributes(values: object): { id: number; bytes: Uint8Array }[] {
  const meta = attrsMeta.get(values);
  if (!meta) return [];
  const out: { id: number; bytes: Uint8Array }[] = [];
  meta.keys.forEach((key, i) => {
    if (key === undefined) {
      const off = meta.wire[i * 3 + 1]!;
      out.push({ id: meta.wire[i * 3]! & NLA_TYPE_MASK, bytes: meta.bytes.subarray(off, off + meta.wire[i * 3 + 2]!) });
    }
  });
  return out;
}

const text = new TextDecoder('utf-8', { fatal: false });

// ---------------------------------------------------------------- decoding

export function decodeStruct(spec: StructSpec, bytes: Uint8Array, base = 0, path = spec.name): Values {
  const out = readStruct(spec, bytes, base, path);
  structMeta.set(out, { raw: bytes, tail: bytes.subarray(Math.min(spec.size, bytes.length)) });
  return out;
}

/**
 * The fields of a struct without what re-encoding needs (decodeStruct's raw bytes, kept in a
 * WeakMap): for values only read, like the header of each link in a listing of thousands, where
 * the WeakMap entry was a third of the decode's cost.
 */
export function readStruct(spec: StructSpec, bytes: Uint8Array, base = 0, path = spec.name): Values {
  return readStructAt(spec, new Reader(bytes, base, path), 0, bytes.length);
}

/** readStruct of the bytes from `start` to `end` of what `r` reads (no view of them is made). */
export function readStructAt(spec: StructSpec, r: Reader, start: number, end: number): Values {
  const out: Values = {};
  let at = start;
  for (const f of spec.fields) {
    const size = fieldSize(f);
    if (at + size > end) break; // an older kernel's shorter struct: the rest stays undefined
    if (f.type !== 'pad') out[f.name] = readField(r, f.type, at, size, f.byteOrder === 'be');
    at += size;
  }
  return out;
}

function readField(r: Reader, type: string, at: number, size: number, be: boolean): unknown {
  switch (type) {
    case 'u8':
      return r.u8(at);
    case 's8':
      return r.s8(at);
    case 'u16':
      return r.u16(at, be);
    case 's16':
      return r.s16(at, be);
    case 'u32':
      return r.u32(at, be);
    case 's32':
      return r.s32(at, be);
    case 'u64':
      return r.u64(at, be);
    case 's64':
      return r.s64(at, be);
    default:
      return Uint8Array.from(r.slice(at, size));
  }
}

const SCALAR_SIZE: Record<string, number> = { u8: 1, s8: 1, u16: 2, s16: 2, u32: 4, s32: 4, u64: 8, s64: 8 };

/** Decodes a run of attributes (the payload of a message after its header, or of a nest). */
export function decodeAttrs(set: AttrSet, bytes: Uint8Array, base = 0, path = ''): Values {
  const r = new Reader(bytes, base, path || set.name);
  const out: Values = {};
  const meta: AttrsMeta = { bytes, wire: [], keys: [], values: [] };
  let deferred: number[] | undefined; // indexes of sub-messages
  let at = 0;
  while (at + 4 <= bytes.length) {
    const len = r.u16(at);
    const type = r.u16(at + 2);
    if (len < 4) throw new DecodeError(`attribute length ${len} is shorter than its header`, path || set.name, base + at);
    if (at + len > bytes.length) {
      throw new DecodeError(`attribute type ${type} claims ${len} bytes, ${bytes.length - at} remain`, path || set.name, base + at);
    }
    meta.wire.push(type, at + 4, len - 4);
    const known = set.byId.get(type & NLA_TYPE_MASK);
    let key: string | undefined;
    let value: unknown;
    // A repeated single-valued attribute keeps the first; the others are carried as unknown bytes.
    if (known && (known[1].multi || !(known[0] in out))) {
      const spec = known[1];
      key = known[0];
      if (spec.type === 'sub-message') {
        (deferred ??= []).push(meta.keys.length);
      } else {
        value = decodeValue(spec, r, at + 4, len - 4, path, key);
        if (spec.multi) ((out[key] ??= []) as unknown[]).push(value);
        else out[key] = value;
      }
    }
    meta.keys.push(key);
    meta.values.push(value);
    at += align4(len);
  }
  // Sub-messages last: their format depends on a sibling (the kind) that may come later on the wire.
  for (const i of deferred ?? []) {
    const key = meta.keys[i]!;
    const spec = set.attrs[key] as AttrSpec & { type: 'sub-message' };
    const selector = out[spec.selector];
    const variant = typeof selector === 'string' ? spec.variants()[selector] : undefined;
    const off = meta.wire[i * 3 + 1]!;
    const raw = bytes.subarray(off, off + meta.wire[i * 3 + 2]!);
    const value = variant ? decodeAttrs(variant, raw, base + off, joinPath(path, key)) : Uint8Array.from(raw);
    meta.values[i] = value;
    out[key] = value;
  }
  attrsMeta.set(out, meta);
  return out;
}

/** Which attributes `pickAttrs` decodes: `true` for the whole value, an object to pick inside a nest. */
export type Pick = { readonly [key: string]: true | Pick };

/**
 * Decodes only the picked attributes, without the bookkeeping that makes re-encoding lossless:
 * the fast path for listing thousands of links when only their names and states are wanted.
 */
export function pickAttrs(set: AttrSet, bytes: Uint8Array, pick: Pick, base = 0, path = ''): Values {
  return pickAttrsAt(set, new Reader(bytes, base, path || set.name), 0, bytes.length, pick, path);
}

/**
 * pickAttrs of the attributes from `start` to `end` of what `r` reads. Nests are read with the same
 * Reader: a view and a DataView per nest were a fifth of what listing links allocated.
 */
export function pickAttrsAt(set: AttrSet, r: Reader, start: number, end: number, pick: Pick, path = ''): Values {
  const out: Values = {};
  for (let at = start; at + 4 <= end; ) {
    const len = r.u16(at);
    if (len < 4 || at + len > end) {
      throw new DecodeError(`attribute length ${len} does not fit the ${end - at} bytes left`, path || set.name, r.base + at);
    }
    const known = set.byId.get(r.u16(at + 2) & NLA_TYPE_MASK);
    const want = known && pick[known[0]];
    if (want && !(known[0] in out)) {
      const key = known[0]; // indexed, not destructured: destructuring runs the array iterator
      const spec = known[1];
      if (want === true) out[key] = decodeValue(spec, r, at + 4, len - 4, path, key);
      else if (spec.type === 'nest') out[key] = pickAttrsAt(spec.attrs(), r, at + 4, at + len, want, joinPath(path, key));
    }
    at += align4(len);
  }
  return out;
}

function decodeValue(spec: AttrSpec, r: Reader, at: number, len: number, path: string, key: string): unknown {
  const size = SCALAR_SIZE[spec.type];
  if (size !== undefined) {
    // Longer than expected is tolerated (the raw bytes are kept for re-encoding); shorter is not.
    if (len < size) throw new DecodeError(`${spec.type} needs ${size} bytes, got ${len}`, joinPath(path, key), r.base + at);
    return readField(r, spec.type, at, size, 'byteOrder' in spec && spec.byteOrder === 'be');
  }
  const bytes = r.bytes;
  switch (spec.type) {
    case 'string': {
      let nul = at;
      while (nul < at + len && bytes[nul] !== 0) nul++;
      return text.decode(bytes.subarray(at, nul));
    }
    case 'flag':
      return true;
    case 'binary':
      if (spec.hint === 'mac') return formatMac(bytes, at, len);
      if (spec.hint === 'ip' && (len === 4 || len === 16)) return formatIp(bytes.subarray(at, at + len));
      return Uint8Array.prototype.slice.call(bytes, at, at + len); // a copy even of a Buffer
  }
  const b = bytes.subarray(at, at + len);
  switch (spec.type) {
    case 'nest':
      return decodeAttrs(spec.attrs(), b, r.base + at, joinPath(path, key));
    case 'struct':
      return decodeStruct(spec.struct, b, r.base + at, joinPath(path, key));
    case 'message':
      return decodeMessageBody(spec.message(), b, r.base + at, joinPath(path, key));
    default:
      return Uint8Array.from(b);
  }
}

export interface DecodedMessage {
  header: Values;
  attrs: Values;
}

/** Decodes a fixed header followed by attributes. */
export function decodeMessageBody(schema: MessageSchema, b: Uint8Array, base = 0, path = ''): DecodedMessage {
  const hsize = Math.min(schema.header.size, b.length);
  if (b.length < schema.header.size) {
    throw new DecodeError(`${schema.header.name} needs ${schema.header.size} bytes, got ${b.length}`, path || schema.name, base);
  }
  const header = decodeStruct(schema.header, b.subarray(0, hsize), base, path ? `${path}.header` : 'header');
  const attrs = decodeAttrs(schema.attrs, b.subarray(align4(hsize)), base + align4(hsize), path);
  return { header, attrs };
}
