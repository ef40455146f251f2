// SPDX-License-Identifier: MIT
// Schema-driven encoding and decoding of attributes and fixed structs.
//
// Decoding is tolerant: unknown attributes are kept, structs longer than we know keep their tail,
// and each decoded object remembers (in a hidden, non-enumerable property) the wire order, flags and
// raw bytes of what it came from. Encoding an unchanged decoded object therefore reproduces the
// original bytes exactly; changed or added values are encoded from the schema.

import { DecodeError, EncodeError } from '../errors';
import { formatIp, formatMac, parseIp, parseMac } from '../util/addr';
import { align4, Reader, Writer } from './buffer';
import { NLA_F_NESTED, NLA_TYPE_MASK } from './constants';
import {
  AttrSet,
  AttrSpec,
  fieldSize,
  MessageSchema,
  StructSpec,
} from './schema';

/**
 * Wire form of a decoded attribute run, kept per decoded object (in a WeakMap, so the objects stay
 * plain). Parallel arrays rather than an object per attribute: dumps decode thousands of them.
 */
interface AttrsMeta {
  bytes: Uint8Array;
  /** Per attribute: nla_type (id and flags), payload offset in `bytes`, payload length. */
  wire: number[];
  /** Per attribute: schema key, or undefined for one this library does not know. */
  keys: (string | undefined)[];
  /** Per attribute: the decoded value. */
  values: unknown[];
}
interface StructMeta {
  raw: Uint8Array;
  tail: Uint8Array;
}

const attrsMeta = new WeakMap<object, AttrsMeta>();
const structMeta = new WeakMap<object, StructMeta>();

export type Values = Record<string, unknown>;

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
const utf8 = new TextEncoder();

// ---------------------------------------------------------------- decoding

export function decodeStruct(spec: StructSpec, bytes: Uint8Array, base = 0, path = spec.name): Values {
  const r = new Reader(bytes, base, path);
  const out: Values = {};
  let at = 0;
  for (const f of spec.fields) {
    const size = fieldSize(f);
    if (at + size > bytes.length) break; // an older kernel's shorter struct: the rest stays undefined
    if (f.type !== 'pad') out[f.name] = readField(r, f.type, at, size, f.byteOrder === 'be');
    at += size;
  }
  structMeta.set(out, { raw: bytes, tail: bytes.subarray(Math.min(spec.size, bytes.length)) });
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

function joinPath(path: string, key: string, index?: number): string {
  const p = path ? `${path}.${key}` : key;
  return index === undefined ? p : `${p}[${index}]`;
}

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
  const r = new Reader(bytes, base, path || set.name);
  const out: Values = {};
  for (let at = 0; at + 4 <= bytes.length; ) {
    const len = r.u16(at);
    if (len < 4 || at + len > bytes.length) {
      throw new DecodeError(`attribute length ${len} does not fit the ${bytes.length - at} bytes left`, path || set.name, base + at);
    }
    const known = set.byId.get(r.u16(at + 2) & NLA_TYPE_MASK);
    const want = known && pick[known[0]];
    if (want && !(known[0] in out)) {
      const [key, spec] = known;
      if (want === true) out[key] = decodeValue(spec, r, at + 4, len - 4, path, key);
      else if (spec.type === 'nest') out[key] = pickAttrs(spec.attrs(), bytes.subarray(at + 4, at + len), want, base + at + 4, joinPath(path, key));
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
  const b = r.bytes.subarray(at, at + len);
  switch (spec.type) {
    case 'string': {
      const nul = b.indexOf(0);
      return text.decode(nul >= 0 ? b.subarray(0, nul) : b);
    }
    case 'flag':
      return true;
    case 'binary':
      if (spec.hint === 'mac') return formatMac(b);
      if (spec.hint === 'ip' && (len === 4 || len === 16)) return formatIp(b);
      return Uint8Array.from(b);
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

// ---------------------------------------------------------------- encoding

export function encodeStruct(spec: StructSpec, values: Values, w: Writer, path = spec.name): void {
  const meta = structMeta.get(values);
  // A struct decoded from an older kernel's shorter version is re-encoded at that length.
  const limit = meta ? meta.raw.length : Infinity;
  let at = 0;
  for (const f of spec.fields) {
    const size = fieldSize(f);
    if (at + size > limit && values[f.name] === undefined) break;
    at += size;
    if (f.type === 'pad') {
      w.zeros(size);
      continue;
    }
    writeScalar(f.type, values[f.name] ?? (f.type === 'bytes' ? new Uint8Array(size) : f.type.endsWith('64') ? 0n : 0), w, `${path}.${f.name}`, f.byteOrder === 'be', size);
  }
  if (meta) w.bytes(meta.tail);
}

const RANGES: Record<string, [number, number]> = {
  u8: [0, 0xff],
  s8: [-0x80, 0x7f],
  u16: [0, 0xffff],
  s16: [-0x8000, 0x7fff],
  u32: [0, 0xffffffff],
  s32: [-0x80000000, 0x7fffffff],
};

function writeScalar(type: string, v: unknown, w: Writer, path: string, be: boolean, size = 0): void {
  if (type === 'bytes') {
    if (!(v instanceof Uint8Array) || v.length !== size) throw new EncodeError(`expected ${size} bytes`, path);
    w.bytes(v);
    return;
  }
  if (type === 'u64' || type === 's64') {
    let big: bigint;
    if (typeof v === 'bigint') big = v;
    else if (typeof v === 'number' && Number.isInteger(v)) big = BigInt(v);
    else throw new EncodeError(`expected an integer, got ${typeof v}`, path);
    const ok = type === 'u64' ? big >= 0n && big < 1n << 64n : big >= -(1n << 63n) && big < 1n << 63n;
    if (!ok) throw new EncodeError(`${big} is out of range for ${type}`, path);
    if (type === 'u64') w.u64(big, be);
    else w.s64(big, be);
    return;
  }
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new EncodeError(`expected an integer, got ${JSON.stringify(v)}`, path);
  const [lo, hi] = RANGES[type]!;
  if (v < lo || v > hi) throw new EncodeError(`${v} is out of range for ${type} (${lo}..${hi})`, path);
  switch (type) {
    case 'u8':
      return w.u8(v);
    case 's8':
      return w.s8(v);
    case 'u16':
      return w.u16(v, be);
    case 's16':
      return w.s16(v, be);
    case 'u32':
      return w.u32(v, be);
    case 's32':
      return w.s32(v, be);
  }
}

/**
 * Encodes attributes. Values decoded earlier keep their wire order, flags and (unchanged scalars)
 * bytes; other values follow in the object's own key order.
 */
export function encodeAttrs(set: AttrSet, values: Values, w: Writer, path = ''): void {
  const meta = attrsMeta.get(values);
  let used: Map<string, number> | undefined; // key -> values already emitted through `meta`
  for (let i = 0; meta && i < meta.keys.length; i++) {
    const key = meta.keys[i];
    const off = meta.wire[i * 3 + 1]!;
    const raw = meta.bytes.subarray(off, off + meta.wire[i * 3 + 2]!);
    const type = meta.wire[i * 3]!;
    if (key === undefined) {
      emitRaw(w, type, raw);
      continue;
    }
    const spec = set.attrs[key]!;
    used ??= new Map();
    const n = used.get(key) ?? 0;
    const value = spec.multi ? (values[key] as unknown[] | undefined)?.[n] : n === 0 ? values[key] : undefined;
    if (value === undefined || value === false) continue;
    used.set(key, n + 1);
    // Unchanged scalars reuse their exact wire bytes (a longer-than-known integer, a string with
    // trailing bytes); objects are re-encoded, since they may have been changed in place.
    const reuse = typeof value !== 'object' && value === meta.values[i];
    emitAttr(spec, value, values, w, joinPath(path, key, spec.multi ? n : undefined), type & ~NLA_TYPE_MASK, reuse ? raw : undefined);
  }
  for (const key in values) {
    const spec = set.attrs[key];
    if (!spec) throw new EncodeError(`unknown attribute "${key}" for ${set.name}`, joinPath(path, key));
    const v = values[key];
    if (v === undefined || v === false) continue;
    const n = used?.get(key) ?? 0;
    if (spec.multi) {
      if (!Array.isArray(v)) throw new EncodeError('expected an array (repeated attribute)', joinPath(path, key));
      for (let i = n; i < v.length; i++) emitAttr(spec, v[i], values, w, joinPath(path, key, i), defaultFlags(spec));
    } else if (n === 0) {
      emitAttr(spec, v, values, w, joinPath(path, key), defaultFlags(spec));
    }
  }
}

function defaultFlags(spec: AttrSpec): number {
  return spec.type === 'nest' && spec.nestedFlag ? NLA_F_NESTED : 0;
}

function emitRaw(w: Writer, type: number, raw: Uint8Array): void {
  w.u16(4 + raw.length);
  w.u16(type);
  w.bytes(raw);
  w.pad();
}

function emitAttr(
  spec: AttrSpec,
  value: unknown,
  siblings: Values,
  w: Writer,
  path: string,
  flags: number,
  raw?: Uint8Array,
): void {
  const start = w.length;
  w.u16(0);
  w.u16(spec.id | flags);
  if (raw) w.bytes(raw);
  else encodeValue(spec, value, siblings, w, path);
  const end = w.length;
  if (end - start > 0xffff) throw new EncodeError(`attribute is ${end - start} bytes, the limit is 65535`, path);
  w.patchU16(start, end - start);
  w.spans.push({ start, end, path });
  w.pad();
}

function encodeValue(spec: AttrSpec, v: unknown, siblings: Values, w: Writer, path: string): void {
  const be = 'byteOrder' in spec && spec.byteOrder === 'be';
  switch (spec.type) {
    case 'u8':
    case 's8':
    case 'u16':
    case 's16':
    case 'u32':
    case 's32':
    case 'u64':
    case 's64':
      return writeScalar(spec.type, v, w, path, be);
    case 'string':
      if (typeof v !== 'string') throw new EncodeError(`expected a string, got ${typeof v}`, path);
      w.bytes(utf8.encode(v));
      if (!spec.unterminated) w.u8(0);
      return;
    case 'flag':
      if (v !== true) throw new EncodeError('a flag attribute takes true', path);
      return;
    case 'binary':
      if (v instanceof Uint8Array) return w.bytes(v);
      if (typeof v === 'string' && spec.hint === 'mac') return w.bytes(parseMac(v, path));
      if (typeof v === 'string' && spec.hint === 'ip') return w.bytes(parseIp(v, path));
      throw new EncodeError('expected bytes (Uint8Array)', path);
    case 'nest':
      if (typeof v !== 'object' || v === null) throw new EncodeError('expected an object of attributes', path);
      return encodeAttrs(spec.attrs(), v as Values, w, path);
    case 'struct':
      if (typeof v !== 'object' || v === null) throw new EncodeError('expected an object', path);
      return encodeStruct(spec.struct, v as Values, w, path);
    case 'message': {
      const m = v as Partial<DecodedMessage>;
      if (typeof m !== 'object' || m === null) throw new EncodeError('expected { header, attrs }', path);
      return encodeMessageBody(spec.message(), m.header ?? {}, m.attrs ?? {}, w, path);
    }
    case 'sub-message': {
      if (v instanceof Uint8Array) return w.bytes(v);
      const selector = siblings[spec.selector];
      const variant = typeof selector === 'string' ? spec.variants()[selector] : undefined;
      if (!variant) throw new EncodeError(`no attribute set for ${spec.selector} ${JSON.stringify(selector)}`, path);
      return encodeAttrs(variant, v as Values, w, path);
    }
  }
}

/** Encodes a fixed header and its attributes. */
export function encodeMessageBody(schema: MessageSchema, header: Values, attrs: Values, w: Writer, path = ''): void {
  encodeStruct(schema.header, header, w, path ? `${path}.header` : 'header');
  w.pad();
  encodeAttrs(schema.attrs, attrs, w, path);
}
