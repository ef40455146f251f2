// SPDX-License-Identifier: MIT
// The declarative vocabulary for netlink attribute sets and fixed structs. It follows the kernel's
// YNL specs (Documentation/netlink/specs/*.yaml): u8..u64, string, binary, flag, nest, struct,
// sub-message selected by a sibling attribute. Ids are always explicit (never positional), and each
// friendly camelCase key keeps the kernel's name in `orig`.

export type IntType = 'u8' | 'u16' | 'u32' | 's8' | 's16' | 's32';
export type BigType = 'u64' | 's64';

/** How a binary attribute is shown to users: MAC text, IP text, or raw bytes. */
export type BinaryHint = 'mac' | 'ip' | 'hex';

interface Common {
  /** Attribute type id, from the UAPI header. */
  id: number;
  /** Kernel spelling, e.g. 'IFLA_IFNAME'. */
  orig?: string;
  /** Repeated attribute: the value is an array, one element per occurrence. */
  multi?: boolean;
}

export interface IntAttr extends Common {
  type: IntType;
  byteOrder?: 'be';
}
export interface BigAttr extends Common {
  type: BigType;
  byteOrder?: 'be';
}
export interface StringAttr extends Common {
  type: 'string';
  /** Encode without the trailing NUL (NLA_STRING attributes that iproute2 sends that way, e.g. IFLA_INFO_KIND). */
  unterminated?: boolean;
}
export interface BinaryAttr extends Common {
  type: 'binary';
  hint?: BinaryHint;
}
export interface FlagAttr extends Common {
  type: 'flag';
}
export interface NestAttr extends Common {
  type: 'nest';
  /** Lazy, so sets can refer to each other (a veth peer carries link attributes). */
  attrs: () => AttrSet;
  /** Set NLA_F_NESTED when encoding (the kernel requires it for some newer nests). */
  nestedFlag?: boolean;
}
export interface StructAttr extends Common {
  type: 'struct';
  struct: StructSpec;
}
/** Payload = a fixed header struct followed by attributes (e.g. VETH_INFO_PEER: ifinfomsg + IFLA_*). */
export interface MessageAttr extends Common {
  type: 'message';
  message: () => MessageSchema;
}
/** Payload format chosen by the value of a sibling attribute (IFLA_INFO_DATA by IFLA_INFO_KIND). */
export interface SubMessageAttr extends Common {
  type: 'sub-message';
  selector: string;
  variants: () => Readonly<Record<string, AttrSet>>;
  /** Set NLA_F_NESTED when encoding (nf_tables expression data, as nft sends it). */
  nestedFlag?: boolean;
}

export type AttrSpec =
  | IntAttr
  | BigAttr
  | StringAttr
  | BinaryAttr
  | FlagAttr
  | NestAttr
  | StructAttr
  | MessageAttr
  | SubMessageAttr;

export interface AttrSet {
  readonly name: string;
  readonly attrs: Readonly<Record<string, AttrSpec>>;
  /** id → [key, spec], built once. */
  readonly byId: ReadonlyMap<number, readonly [string, AttrSpec]>;
}

export type FieldType = IntType | BigType | 'pad' | 'bytes';
export interface StructField {
  name: string;
  type: FieldType;
  /** Byte count for 'pad' and 'bytes'. */
  size?: number;
  byteOrder?: 'be';
}

export interface StructSpec {
  readonly name: string;
  /** Size this library knows; the kernel may send more (kept) or, if older, less. */
  readonly size: number;
  readonly fields: readonly StructField[];
}

export interface MessageSchema {
  readonly name: string;
  readonly header: StructSpec;
  readonly attrs: AttrSet;
}

const FIELD_SIZES: Record<Exclude<FieldType, 'pad' | 'bytes'>, number> = {
  u8: 1,
  s8: 1,
  u16: 2,
  s16: 2,
  u32: 4,
  s32: 4,
  u64: 8,
  s64: 8,
};

export function fieldSize(f: StructField): number {
  if (f.type === 'pad' || f.type === 'bytes') return f.size ?? 0;
  return FIELD_SIZES[f.type];
}

/** Declares an attribute set; rejects duplicate ids, which would make decoding ambiguous. */
export function defineAttrs<T extends Record<string, AttrSpec>>(name: string, attrs: T): AttrSet & { attrs: T } {
  const byId = new Map<number, readonly [string, AttrSpec]>();
  for (const [key, spec] of Object.entries(attrs)) {
    if (byId.has(spec.id)) throw new Error(`schema ${name}: ${key} reuses id ${spec.id} of ${byId.get(spec.id)![0]}`);
    byId.set(spec.id, [key, spec]);
  }
  return { name, attrs, byId };
}

/** Byte offset of field `name` in the struct. */
export function fieldOffset(spec: StructSpec, name: string): number {
  let at = 0;
  for (const f of spec.fields) {
    if (f.name === name) return at;
    at += fieldSize(f);
  }
  throw new Error(`struct ${spec.name} has no field ${name}`);
}

/** Declares a fixed struct; checks that the fields add up to the declared size. */
export function defineStruct(name: string, size: number, fields: StructField[]): StructSpec {
  const total = fields.reduce((n, f) => n + fieldSize(f), 0);
  if (total !== size) throw new Error(`struct ${name}: fields add up to ${total} bytes, declared ${size}`);
  return { name, size, fields };
}

// Message schemas by name, for attributes that carry a whole message of a set that (indirectly)
// contains them: a veth's VETH_INFO_PEER is a link message, inside a link message. Naming it here
// instead of importing it keeps the modules free of import cycles.
const messages = new Map<string, MessageSchema>();

/** Makes `schema` findable by its name (see messageNamed). */
export function registerMessage<T extends MessageSchema>(schema: T): T {
  messages.set(schema.name, schema);
  return schema;
}

/** A lazy reference to a registered message schema, for MessageAttr.message. */
export function messageNamed(name: string): () => MessageSchema {
  return () => {
    const m = messages.get(name);
    if (!m) throw new Error(`message schema "${name}" is not registered (its module was not loaded)`);
    return m;
  };
}
