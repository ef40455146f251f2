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

/** Hidden per-object record of the wire form it was decoded from. */
export const RAW = Symbol('vnetkit.raw');

interface AttrEntry {
  id: number;
  flags: number;
  /** Schema key, or undefined for an attribute this library does not know. */
  key?: string;
  raw: Uint8Array;
  value?: unknown;
}
interface AttrsMeta {
  order: AttrEntry[];
}
interface StructMeta {
  raw: Uint8Array;
  tail: Uint8Array;
}

export type Values = Record<string, unknown>;

/** Attributes the decoder did not recognise: `[{ id, bytes }]`. */
export function unknownAttributes(values: object): { id: number; bytes: Uint8Array }[] {
  const meta = (values as { [RAW]?: AttrsMeta })[RAW];
  if (!meta || !('order' in meta)) return [];
  return meta.order.filter((e) => e.key === undefined).map((e) => ({ id: e.id, bytes: e.raw }));
}

function hide(obj: object, meta: unknown): void {
  Object.defineProperty(obj, RAW, { value: meta, enumerable: false, configurable: true, writable: true });
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
  hide(out, { raw: bytes, tail: bytes.subarray(Math.min(spec.size, bytes.length)) } satisfies StructMeta);
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

/** Decodes a run of attributes (the payload of a message after its header, or of a nest). */
export function decodeAttrs(set: AttrSet, bytes: Uint8Array, base = 0, path = ''): Values {
  const r = new Reader(bytes, base, path || set.name);
  const out: Values = {};
  const order: AttrEntry[] = [];
  const deferred: { entry: AttrEntry; spec: AttrSpec & { type: 'sub-message' }; at: number }[] = [];
  let at = 0;
  while (at + 4 <= bytes.length) {
    const len = r.u16(at);
    const type = r.u16(at + 2);
    if (len < 4) throw new DecodeError(`attribute length ${len} is shorter than its header`, path || set.name, base + at);
    if (at + len > bytes.length) {
      throw new DecodeError(`attribute type ${type} claims ${len} bytes, ${bytes.length - at} remain`, path || set.name, base + at);
    }
    const id = type & NLA_TYPE_MASK;
    const entry: AttrEntry = { id, flags: type & ~NLA_TYPE_MASK, raw: bytes.subarray(at + 4, at + len) };
    order.push(entry);
    const known = set.byId.get(id);
    if (known) {
      const [key, spec] = known;
      const childPath = path ? `${path}.${key}` : key;
      if (!spec.multi && key in out) {
        // A repeated single-valued attribute: keep the first, carry the others as unknown bytes.
      } else if (spec.type === 'sub-message') {
        entry.key = key;
        deferred.push({ entry, spec, at: base + at + 4 });
      } else {
        entry.key = key;
        const value = decodeValue(spec, entry.raw, base + at + 4, childPath);
        entry.value = value;
        if (spec.multi) ((out[key] ??= []) as unknown[]).push(value);
        else out[key] = value;
      }
    }
    at += align4(len);
  }
  // Sub-messages last: their format depends on a sibling (the kind) that may come later on the wire.
  for (const { entry, spec, at: off } of deferred) {
    const selector = out[spec.selector];
    const variant = typeof selector === 'string' ? spec.variants()[selector] : undefined;
    const childPath = path ? `${path}.${entry.key}` : entry.key!;
    const value = variant ? decodeAttrs(variant, entry.raw, off, childPath) : Uint8Array.from(entry.raw);
    entry.value = value;
    out[entry.key!] = value;
  }
  hide(out, { order } satisfies AttrsMeta);
  return out;
}

function decodeValue(spec: AttrSpec, b: Uint8Array, base: number, path: string): unknown {
  const r = new Reader(b, base, path);
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
      // Longer than expected is tolerated (the raw bytes are kept for re-encoding); shorter is not.
      return readField(r, spec.type, 0, 0, be);
    case 'string': {
      const nul = b.indexOf(0);
      return text.decode(nul >= 0 ? b.subarray(0, nul) : b);
    }
    case 'flag':
      return true;
    case 'binary':
      if (spec.hint === 'mac') return formatMac(b);
      if (spec.hint === 'ip' && (b.length === 4 || b.length === 16)) return formatIp(b);
      return Uint8Array.from(b);
    case 'nest':
      return decodeAttrs(spec.attrs(), b, base, path);
    case 'struct':
      return decodeStruct(spec.struct, b, base, path);
    case 'message':
      return decodeMessageBody(spec.message(), b, base, path);
    case 'sub-message':
      return Uint8Array.from(b); // handled by decodeAttrs; kept for completeness
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
  const meta = (values as { [RAW]?: StructMeta })[RAW];
  // A struct decoded from an older kernel's shorter version is re-encoded at that length.
  const limit = meta && 'tail' in meta ? Math.max(meta.raw.length, 0) : Infinity;
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
  if (meta && 'tail' in meta) w.bytes(meta.tail);
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

/** Encodes attributes: first those decoded earlier (same order and flags), then new ones in schema order. */
export function encodeAttrs(set: AttrSet, values: Values, w: Writer, path = ''): void {
  for (const key of Object.keys(values)) {
    if (!(key in set.attrs)) throw new EncodeError(`unknown attribute "${key}" for ${set.name}`, path ? `${path}.${key}` : key);
  }
  const meta = (values as { [RAW]?: AttrsMeta })[RAW];
  const used = new Map<string, number>(); // key -> how many values emitted (multi) or 1
  for (const entry of meta?.order ?? []) {
    if (entry.key === undefined) {
      emitRaw(w, entry.id | entry.flags, entry.raw);
      continue;
    }
    const spec = set.attrs[entry.key]!;
    const n = used.get(entry.key) ?? 0;
    const value = spec.multi ? (values[entry.key] as unknown[] | undefined)?.[n] : n === 0 ? values[entry.key] : undefined;
    if (value === undefined || value === false) continue;
    used.set(entry.key, n + 1);
    const childPath = joinPath(path, entry.key, spec.multi ? n : undefined);
    // Unchanged scalars reuse their exact wire bytes (a longer-than-known integer, a string with
    // trailing bytes); objects are re-encoded, since they may have been changed in place.
    const reuse = typeof value !== 'object' && value === entry.value;
    emitAttr(spec, value, values, w, childPath, entry.flags, reuse ? entry.raw : undefined);
  }
  for (const [key, spec] of Object.entries(set.attrs)) {
    const v = values[key];
    if (v === undefined || v === false) continue;
    const n = used.get(key) ?? 0;
    if (spec.multi) {
      if (!Array.isArray(v)) throw new EncodeError('expected an array (repeated attribute)', joinPath(path, key));
      for (let i = n; i < v.length; i++) emitAttr(spec, v[i], values, w, joinPath(path, key, i), defaultFlags(spec));
    } else if (n === 0) {
      emitAttr(spec, v, values, w, joinPath(path, key), defaultFlags(spec));
    }
  }
}

function joinPath(path: string, key: string, index?: number): string {
  const p = path ? `${path}.${key}` : key;
  return index === undefined ? p : `${p}[${index}]`;
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
      w.u8(0);
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
