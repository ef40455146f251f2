// SPDX-License-Identifier: MIT
// What a decoded object remembers of its wire form, shared by decoding (codec.ts) and encoding
// (encode.ts) so that an unchanged decoded object re-encodes to the same bytes.

/**
 * Wire form of a decoded attribute run, kept per decoded object (in a WeakMap, so the objects stay
 * plain). Parallel arrays rather than an object per attribute: dumps decode thousands of them.
 */
export interface AttrsMeta {
  bytes: Uint8Array;
  /** Per attribute: nla_type (id and flags), payload offset in `bytes`, payload length. */
  wire: number[];
  /** Per attribute: schema key, or undefined for one this library does not know. */
  keys: (string | undefined)[];
  /** Per attribute: the decoded value. */
  values: unknown[];
}
export interface StructMeta {
  raw: Uint8Array;
  tail: Uint8Array;
}

export const attrsMeta = new WeakMap<object, AttrsMeta>();
export const structMeta = new WeakMap<object, StructMeta>();

export type Values = Record<string, unknown>;

export { joinPath } from './buffer';
