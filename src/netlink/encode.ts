// SPDX-License-Identifier: MIT
// Schema-driven encoding of attributes and fixed structs. Values decoded earlier keep their wire
// order, flags and (unchanged scalars) exact bytes; every attribute's span and path is recorded in
// the writer so a kernel error offset can be named.

import { EncodeError } from '../errors';
import { parseIp, parseMac } from '../util/addr';
import { Writer } from './buffer';
import type { DecodedMessage } from './codec';
import { attrsMeta, joinPath, structMeta, Values } from './codec-meta';
import { NLA_F_NESTED, NLA_TYPE_MASK } from './constants';
import { AttrSet, AttrSpec, fieldSize, MessageSchema, StructSpec } from './schema';

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
    writeScalar(f.type, values[f.name] ?? (f.type === 'bytes' ? new Uint8Array(size) : f.type.endsWith('64') ? 0n : 0), w, path, f.name, undefined, f.byteOrder === 'be', size);
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

// The value's path is parent.key (or parent.key[index]), joined only for an error.
function writeScalar(type: string, v: unknown, w: Writer, parent: string, key: string, index: number | undefined, be: boolean, size = 0): void {
  if (type === 'bytes') {
    if (!(v instanceof Uint8Array) || v.length !== size) throw new EncodeError(`expected ${size} bytes`, joinPath(parent, key, index));
    w.bytes(v);
    return;
  }
  if (type === 'u64' || type === 's64') {
    let big: bigint;
    if (typeof v === 'bigint') big = v;
    else if (typeof v === 'number' && Number.isInteger(v)) big = BigInt(v);
    else throw new EncodeError(`expected an integer, got ${typeof v}`, joinPath(parent, key, index));
    const ok = type === 'u64' ? big >= 0n && big < 1n << 64n : big >= -(1n << 63n) && big < 1n << 63n;
    if (!ok) throw new EncodeError(`${big} is out of range for ${type}`, joinPath(parent, key, index));
    if (type === 'u64') w.u64(big, be);
    else w.s64(big, be);
    return;
  }
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new EncodeError(`expected an integer, got ${JSON.stringify(v)}`, joinPath(parent, key, index));
  const range = RANGES[type]!; // not destructured: that goes through the array iterator
  const lo = range[0];
  const hi = range[1];
  if (v < lo || v > hi) throw new EncodeError(`${v} is out of range for ${type} (${lo}..${hi})`, joinPath(parent, key, index));
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
    emitAttr(spec, value, values, w, path, key, spec.multi ? n : undefined, type & ~NLA_TYPE_MASK, reuse ? raw : undefined);
  }
  for (const key in values) {
    const spec = set.attrs[key];
    if (!spec) throw new EncodeError(`unknown attribute "${key}" for ${set.name}`, joinPath(path, key));
    const v = values[key];
    if (v === undefined || v === false) continue;
    const n = used?.get(key) ?? 0;
    if (spec.multi) {
      if (!Array.isArray(v)) throw new EncodeError('expected an array (repeated attribute)', joinPath(path, key));
      for (let i = n; i < v.length; i++) emitAttr(spec, v[i], values, w, path, key, i, defaultFlags(spec));
    } else if (n === 0) {
      emitAttr(spec, v, values, w, path, key, undefined, defaultFlags(spec));
    }
  }
}

function defaultFlags(spec: AttrSpec): number {
  return (spec.type === 'nest' || spec.type === 'sub-message') && spec.nestedFlag ? NLA_F_NESTED : 0;
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
  parent: string,
  key: string,
  index: number | undefined,
  flags: number,
  raw?: Uint8Array,
): void {
  const start = w.length;
  w.u16(0);
  w.u16(spec.id | flags);
  if (raw) w.bytes(raw);
  else encodeValue(spec, value, siblings, w, parent, key, index);
  const end = w.length;
  if (end - start > 0xffff) throw new EncodeError(`attribute is ${end - start} bytes, the limit is 65535`, joinPath(parent, key, index));
  w.patchU16(start, end - start);
  w.addSpan(start, end, parent, key, index);
  w.pad();
}

function encodeValue(spec: AttrSpec, v: unknown, siblings: Values, w: Writer, parent: string, key: string, index: number | undefined): void {
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
      return writeScalar(spec.type, v, w, parent, key, index, be);
    case 'string':
      if (typeof v !== 'string') throw new EncodeError(`expected a string, got ${typeof v}`, joinPath(parent, key, index));
      w.utf8(v);
      if (!spec.unterminated) w.u8(0);
      return;
    case 'flag':
      if (v !== true) throw new EncodeError('a flag attribute takes true', joinPath(parent, key, index));
      return;
    case 'binary':
      if (v instanceof Uint8Array) return w.bytes(v);
      if (typeof v === 'string' && spec.hint === 'mac') return w.bytes(parseMac(v, joinPath(parent, key, index)));
      if (typeof v === 'string' && spec.hint === 'ip') return w.bytes(parseIp(v, joinPath(parent, key, index)));
      throw new EncodeError('expected bytes (Uint8Array)', joinPath(parent, key, index));
    case 'nest':
      if (typeof v !== 'object' || v === null) throw new EncodeError('expected an object of attributes', joinPath(parent, key, index));
      return encodeAttrs(spec.attrs(), v as Values, w, joinPath(parent, key, index));
    case 'struct':
      if (typeof v !== 'object' || v === null) throw new EncodeError('expected an object', joinPath(parent, key, index));
      return encodeStruct(spec.struct, v as Values, w, joinPath(parent, key, index));
    case 'message': {
      const m = v as Partial<DecodedMessage>;
      if (typeof m !== 'object' || m === null) throw new EncodeError('expected { header, attrs }', joinPath(parent, key, index));
      return encodeMessageBody(spec.message(), m.header ?? {}, m.attrs ?? {}, w, joinPath(parent, key, index));
    }
    case 'sub-message': {
      if (v instanceof Uint8Array) return w.bytes(v);
      const selector = siblings[spec.selector];
      const variant = typeof selector === 'string' ? spec.variants()[selector] : undefined;
      if (!variant) throw new EncodeError(`no attribute set for ${spec.selector} ${JSON.stringify(selector)}`, joinPath(parent, key, index));
      return encodeAttrs(variant, v as Values, w, joinPath(parent, key, index));
    }
  }
}

/** Encodes a fixed header and its attributes. */
export function encodeMessageBody(schema: MessageSchema, header: Values, attrs: Values, w: Writer, path = ''): void {
  encodeStruct(schema.header, header, w, path ? `${path}.header` : 'header');
  w.pad();
  encodeAttrs(schema.attrs, attrs, w, path);
}
