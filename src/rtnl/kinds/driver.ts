// SPDX-License-Identifier: MIT
// What a link kind driver is: everything vnetkit knows about one IFLA_INFO_KIND, in one file under
// kinds/ (its IFLA_INFO_DATA schema, typed options, encoder with validation, typed decoded view),
// registered once in kinds/index.ts. The object layer never sees an attribute name: it hands a
// kind's options to newLinkRequest (link-request.ts) and reads `link.data` back through `decode`.

import { InvalidArgumentError } from '../../errors';
import { Values } from '../../netlink/codec';
import { AttrSet } from '../../netlink/schema';
import { parseIp } from '../../util/addr';

export interface KindDriver<O extends object = object, D extends object = object> {
  /** IFLA_INFO_KIND, e.g. 'macvlan'. */
  readonly kind: string;
  /** Schema of IFLA_INFO_DATA; undefined for kinds without one (dummy, ifb). */
  readonly schema?: AttrSet;
  /** Whether a create needs `parent` (IFLA_LINK): macvlan, ipvlan, vlan. */
  readonly needsParent?: boolean;
  /**
   * Options naming a device (vxlan `dev`, a tunnel's `dev`): given as a Link or name, the object
   * layer looks them up in the new link's namespace and hands the encoder their ifindex.
   */
  readonly deviceOptions?: readonly string[];
  /** False for kinds the kernel creates only by other means (tun: the TUNSETIFF ioctl). */
  readonly creatable?: boolean;
  /**
   * Queues asked for when the caller gives none (IFLA_NUM_{TX,RX}_QUEUES); veth says 1 (see
   * veth.ts). Undefined: nothing is sent and the kernel picks.
   */
  readonly defaultQueues?: number;
  /**
   * Checks `options` and turns them into IFLA_INFO_DATA values (by schema key), in the order
   * iproute2 sends them; undefined when there is nothing to send. `at` prefixes argument names
   * in errors ('data.'). `change` is true for `link.set({ data })` (RTM_NEWLINK on an existing
   * link): only the options given are sent, and none is required. Throws InvalidArgumentError for
   * bad input.
   */
  encode(options: O, at: string, change?: boolean): Values | undefined;
  /** Typed view of the IFLA_INFO_DATA the kernel sent (empty object when it sent none). */
  decode(data: Values): D;
}

/** Declares a driver with its option and data types inferred from encode/decode. */
export function defineKind<O extends object, D extends object>(driver: KindDriver<O, D>): KindDriver<O, D> {
  return driver;
}

// --- validation helpers shared by the drivers -----------------------------------------------------

export function bool(v: unknown, arg: string): number {
  if (typeof v !== 'boolean') throw new InvalidArgumentError(arg, v, 'expected true or false');
  return v ? 1 : 0;
}

export function uint(v: unknown, arg: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new InvalidArgumentError(arg, v, `expected an integer from ${min} to ${max}`);
  }
  return v;
}

/** One of the names of `table`, mapped to its number. */
export function oneOf<T extends string>(v: unknown, arg: string, table: Readonly<Record<T, number>>): number {
  if (typeof v !== 'string' || !Object.prototype.hasOwnProperty.call(table, v)) {
    throw new InvalidArgumentError(arg, v, `expected one of ${Object.keys(table).map((k) => JSON.stringify(k)).join(', ')}`);
  }
  return table[v as T];
}

/** The name of `n` in `table`, or the number itself when the kernel sent one we have no name for. */
export function nameOf<T extends string>(n: unknown, table: Readonly<Record<T, number>>): T | number | undefined {
  if (typeof n !== 'number') return undefined;
  for (const k in table) if (table[k] === n) return k;
  return n;
}

/** An IP address of one family (4 or 6), as bytes; `family` undefined accepts either. */
export function ipOf(v: unknown, arg: string, family?: 4 | 6): Uint8Array {
  if (typeof v !== 'string') throw new InvalidArgumentError(arg, v, 'expected an IP address string');
  const b = parseIp(v, arg);
  if (family !== undefined && b.length !== (family === 4 ? 4 : 16)) {
    throw new InvalidArgumentError(arg, v, `expected an IPv${family} address`);
  }
  return b;
}

/**
 * A device option: a Link (anything with an `index`), an interface name, or an ifindex. Names
 * are resolved by the object layer before encoding (KindDriver.deviceOptions).
 */
export type DeviceRef = number | string | { readonly index: number };

/** The ifindex of a device option, once resolved; 0 (none) where `allowZero`. */
export function ifindex(v: unknown, arg: string, allowZero = false): number {
  if (typeof v === 'object' && v !== null && typeof (v as { index?: unknown }).index === 'number') return (v as { index: number }).index;
  if (typeof v === 'string') throw new InvalidArgumentError(arg, v, 'a device name must be resolved to its index first (Link.create does)');
  return uint(v, arg, allowZero ? 0 : 1, 0x7fffffff);
}

/** A u8 TTL or 'inherit' (from the inner packet). */
export function ttlOf(v: unknown, arg: string): number | 'inherit' {
  return v === 'inherit' ? 'inherit' : uint(v, arg, 0, 255);
}

/** A UDP port for the wire (big-endian u16 attributes). */
export function portOf(v: unknown, arg: string): number {
  return uint(v, arg, 0, 65535);
}

/** Refuses option keys a driver does not know, so a typo is not silently ignored. */
export function knownKeys(o: object, arg: string, keys: readonly string[]): void {
  if (o === null || typeof o !== 'object') throw new InvalidArgumentError(arg.replace(/\.$/, '') || 'data', o, 'expected an object of options');
  for (const k of Object.keys(o)) {
    if (!keys.includes(k)) throw new InvalidArgumentError(`${arg}${k}`, (o as Record<string, unknown>)[k], `unknown option; known: ${keys.join(', ')}`);
  }
}

/** An address the schema decoded as text; undefined when its length was no IPv4 or IPv6 one. */
export const ipText = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** True when the value is a number equal to 1 (u8 booleans of the kernel). */
export const on = (v: unknown): boolean => v === 1;
